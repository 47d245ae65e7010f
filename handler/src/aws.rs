//! The AWS SDK's shared configuration, loaded once by the SDK's own conventions: `AWS_REGION`,
//! the credential chain (environment, profile, the Lambda role), and endpoint overrides such as
//! `AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000` for a local server.

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use std::time::Duration;
use tokio::sync::OnceCell;

static CONFIG: OnceCell<SdkConfig> = OnceCell::const_new();

/// Short timeouts: an unreachable DynamoDB must turn into a "try again" page within the
/// Lambda's 10 seconds, not a gateway timeout. (The SDK retries each call up to 3 times.)
pub fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(8))
        .build()
}

/// The configuration, loaded on first use.
pub async fn sdk_config() -> &'static SdkConfig {
    CONFIG
        .get_or_init(|| async {
            aws_config::defaults(BehaviorVersion::latest())
                .timeout_config(timeouts())
                .load()
                .await
        })
        .await
}

/// The text of the Secrets Manager secret `id`; `what` names it in errors ("the SMTP secret"),
/// which describe the failure, never the value.
pub async fn secret_text(
    client: &aws_sdk_secretsmanager::Client,
    id: &str,
    what: &str,
) -> Result<String, String> {
    let output = client
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .map_err(|err| {
            format!(
                "reading {what}: {}",
                aws_sdk_secretsmanager::error::DisplayErrorContext(&err)
            )
        })?;
    output
        .secret_string()
        .map(str::to_string)
        .ok_or_else(|| format!("{what} holds no text"))
}
