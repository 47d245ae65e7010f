//! The notifier Lambda fed DynamoDB stream records built from the table's real items (as the
//! stream delivers them: NEW_AND_OLD_IMAGES, DynamoDB JSON).

use crate::env::{Site, dynamodb, mail_about, required, smtp_mailer, table, unreachable_store};
use crate::support::{OPEN, intake, location, reference_in};
use aws_sdk_dynamodb::types::AttributeValue;
use axum::http::StatusCode;
use handler::delivery::mail::FileMailer;
use handler::lambda::notify;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// DynamoDB JSON, as stream images carry items.
fn image(item: &HashMap<String, AttributeValue>) -> Value {
    fn value(v: &AttributeValue) -> Value {
        match v {
            AttributeValue::S(s) => json!({ "S": s }),
            AttributeValue::N(n) => json!({ "N": n }),
            AttributeValue::Bool(b) => json!({ "BOOL": b }),
            AttributeValue::Null(_) => json!({ "NULL": true }),
            AttributeValue::L(list) => json!({ "L": list.iter().map(value).collect::<Vec<_>>() }),
            AttributeValue::M(map) => json!({ "M": image(map) }),
            other => panic!("not used by the store: {other:?}"),
        }
    }
    Value::Object(item.iter().map(|(k, v)| (k.clone(), value(v))).collect())
}

/// One INSERT record per item, in the shape Lambda delivers stream batches.
fn stream_batch(table: &str, items: &[HashMap<String, AttributeValue>]) -> Value {
    let records: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(n, item)| {
            let keys: HashMap<String, AttributeValue> = item
                .iter()
                .filter(|(k, _)| *k == "pk" || *k == "sk")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            json!({
                "eventID": format!("c4ca4238a0b923820dcc509a6f75849{n}"),
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "ca-central-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": 1748793600,
                    "Keys": image(&keys),
                    "NewImage": image(item),
                    "SequenceNumber": format!("{}", 111_000_000 + n),
                    "SizeBytes": 512,
                    "StreamViewType": "NEW_AND_OLD_IMAGES"
                },
                "eventSourceARN": format!(
                    "arn:aws:dynamodb:ca-central-1:123456789012:table/{table}/stream/2025-06-01T00:00:00.000"
                )
            })
        })
        .collect();
    json!({ "Records": records })
}

const SCHEDULED: &str = r#"{"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2025-06-01T16:05:00Z","region":"ca-central-1","resources":["arn:aws:events:ca-central-1:123456789012:rule/sweep"],"detail":{}}"#;

/// The stream and the sweep running at once, and the batch delivered twice: each notification
/// is still sent once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_and_sweep_together_send_each_notification_once() {
    let store = table("stream", 90).await;
    let name = store.table().to_string();
    let site = Arc::new(Site::new(
        OPEN,
        Arc::new(store),
        smtp_mailer(&required("PASSERELLE_TEST_SMTP")),
    ));
    let response = site.post_form("intake", &intake("fr")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let reference = reference_in(&location(&response));

    // What the stream would carry for this submission: its items, as written.
    let mut items = dynamodb()
        .await
        .query()
        .table_name(&name)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(format!("SUB#{reference}")))
        .send()
        .await
        .unwrap()
        .items
        .unwrap();
    assert_eq!(items.len(), 3, "the submission and two notifications");
    items.sort_by_key(|i| format!("{:?}", i.get("sk")));
    let batch = stream_batch(&name, &items);
    let scheduled: Value = serde_json::from_str(SCHEDULED).unwrap();

    let now = Timestamp::now();
    let (stream, sweep) = tokio::join!(
        notify(site.state.delivery(), &batch, now),
        notify(site.state.delivery(), &scheduled, now)
    );
    assert_eq!(stream.unwrap(), json!({ "batchItemFailures": [] }));
    let swept = sweep.unwrap()["sent"].as_u64().unwrap();
    assert!(swept <= 2);
    // Lambda delivers the batch again (a retry): nothing more is sent.
    assert_eq!(
        notify(site.state.delivery(), &batch, now).await.unwrap(),
        json!({ "batchItemFailures": [] })
    );
    assert_eq!(
        notify(site.state.delivery(), &scheduled, now)
            .await
            .unwrap(),
        json!({ "sent": 0 })
    );
    let mail = mail_about(&reference);
    assert_eq!(mail.len(), 2, "{mail:#?}");
    let recipients: Vec<&str> = mail.iter().map(|m| m.rcpt.as_str()).collect();
    assert!(recipients.contains(&"sam@example.ca"));
    assert!(recipients.contains(&site.coordinator.as_str()));
}

/// With DynamoDB unreachable, the records naming notifications are reported as failed (Lambda
/// retries from them); the others are not; a sweep fails so Lambda retries it.
#[tokio::test]
async fn unreachable_store_reports_batch_item_failures() {
    let outbox = tempfile::tempdir().unwrap();
    let site = Site::new(
        OPEN,
        Arc::new(unreachable_store().await),
        Arc::new(FileMailer::new(outbox.path()).unwrap()),
    );
    let s = |v: &str| AttributeValue::S(v.to_string());
    let note = |sk: &str| {
        HashMap::from([
            ("pk".to_string(), s("SUB#K7MW4XTA")),
            ("sk".to_string(), s(sk)),
            ("gsi1pk".to_string(), s("PENDING")),
            ("gsi1sk".to_string(), s("001748793600000#K7MW4XTA-000")),
            ("notification".to_string(), s("coordinator")),
            ("recipient".to_string(), s("c@example.ca")),
            ("attempts".to_string(), AttributeValue::N("0".into())),
        ])
    };
    let submission = HashMap::from([
        ("pk".to_string(), s("SUB#K7MW4XTA")),
        ("sk".to_string(), s("SUBMISSION")),
        ("gsi1pk".to_string(), s("FORM#intake")),
    ]);
    let batch = stream_batch(
        "unreachable",
        &[note("NOTE#000"), submission, note("NOTE#001")],
    );
    let answer = notify(site.state.delivery(), &batch, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({ "batchItemFailures": [
            { "itemIdentifier": "111000000" },
            { "itemIdentifier": "111000002" }
        ] })
    );
    let scheduled: Value = serde_json::from_str(SCHEDULED).unwrap();
    assert!(
        notify(site.state.delivery(), &scheduled, Timestamp::now())
            .await
            .is_err()
    );
    assert_eq!(std::fs::read_dir(outbox.path()).unwrap().count(), 0);
}
