//! The secret CloudFront sends to the API, read from Secrets Manager (moto serves that API).

use crate::env::{required, unique};
use handler::cdn::read_secret;

async fn secrets_client() -> aws_sdk_secretsmanager::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(required("PASSERELLE_TEST_DYNAMODB_ENDPOINT"))
        .load()
        .await;
    aws_sdk_secretsmanager::Client::new(&config)
}

/// The generated secret is read; a short one, or a missing one, stops the Lambda from starting
/// with a message that names the secret and never shows its value.
#[tokio::test]
async fn the_origin_secret_is_read_and_a_weak_or_missing_one_is_refused() {
    let client = secrets_client().await;
    let good = unique("origin-verify");
    let value = "Kq3vN8xYz2LmP4rT6wB9cD1fG5hJ7kM0aS";
    client
        .create_secret()
        .name(&good)
        .secret_string(value)
        .send()
        .await
        .unwrap();
    let secret = read_secret(&client, &good).await.unwrap();
    assert!(!format!("{secret:?}").contains("Kq3v"));

    let weak = unique("origin-verify-weak");
    client
        .create_secret()
        .name(&weak)
        .secret_string("tooShort9")
        .send()
        .await
        .unwrap();
    let message = read_secret(&client, &weak).await.unwrap_err().to_string();
    assert!(
        message.contains("shorter than 32") && message.contains(&weak),
        "{message}"
    );
    assert!(!message.contains("tooShort9"), "{message}");

    let missing = unique("origin-verify-missing");
    let message = format!("{:#}", read_secret(&client, &missing).await.unwrap_err());
    assert!(message.contains(&missing), "{message}");
}
