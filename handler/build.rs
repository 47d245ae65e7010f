//! Hands the handler the site's one Content-Security-Policy, `infra/csp.txt`, at build time:
//! copied into `OUT_DIR/csp.txt`, which routes/mod.rs includes. The policy keeps one source
//! (the file deploy.sh passes to CloudFront and `site serve` reads), and a build without it, or
//! with a policy that is not one line, fails here rather than serve pages unguarded.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let source = manifest.join("..").join("infra").join("csp.txt");
    println!("cargo:rerun-if-changed={}", source.display());
    let policy = std::fs::read_to_string(&source).unwrap_or_else(|err| {
        panic!(
            "{}: {err}: the handler sends the site's Content-Security-Policy from this file",
            source.display()
        )
    });
    let policy = policy.trim();
    assert!(
        !policy.is_empty() && !policy.contains(['\n', '\r']),
        "{}: the Content-Security-Policy must be one non-empty line",
        source.display()
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("csp.txt");
    std::fs::write(&out, policy).expect("OUT_DIR is writable");
}
