//! Tests against real servers: a DynamoDB-API server (moto) and SMTP servers (aiosmtpd), all on
//! 127.0.0.1. Built only with `--features passerelle-handler/service-tests`; scripts/test.sh
//! starts the servers and sets the variables below. A missing variable fails the test with a
//! message saying what to start, never a silent pass.
//!
//! - `PASSERELLE_TEST_DYNAMODB_ENDPOINT` (http://127.0.0.1:PORT), with `AWS_ACCESS_KEY_ID`,
//!   `AWS_SECRET_ACCESS_KEY` and `AWS_REGION`;
//! - `PASSERELLE_TEST_SMTP` (smtp://127.0.0.1:PORT) and `PASSERELLE_TEST_MAILDIR` (its Maildir);
//! - `PASSERELLE_TEST_PYTHON`: a Python with aiosmtpd, to start and stop private SMTP servers
//!   (plain ones, the STARTTLS relay of starttls_smtp.py, the refusing relay of
//!   refusing_smtp.py) and read Maildirs.
//!
//! Every test makes its own table (a unique name), so they run in parallel.

#[path = "../support/mod.rs"]
mod support;

mod delivery;
mod env;
mod lambda_stream;
mod mail;
mod origin_secret;
mod outage;
mod places;
mod race;
mod starttls;
mod store;
mod store_auth;
