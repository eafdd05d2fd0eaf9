//! The whole path of a parent (`docs/contract.md` §§1–2, 4, 6): sign up through the emailed
//! code, sign in, list the bodies, associate a child of the demo fixture, then delete the
//! account, after which the refresh token is refused at the token endpoint. All over HTTP.

mod common;

use common::{CLIENT, PASSWORD, TestPortal};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn sign_up_sign_in_list_boards_associate_then_delete_the_account() {
    let portal = TestPortal::start().await;
    let http = common::http();
    portal.sign_up("Parent.Demo@example.com", PASSWORD).await;
    let tokens = portal.sign_in("parent.demo@example.com", PASSWORD).await;
    assert_eq!(tokens.status, 200, "{}", tokens.text);
    let access = tokens.json["access_token"].as_str().expect("access token").to_owned();
    let refresh = tokens.json["refresh_token"].as_str().expect("refresh token").to_owned();

    let boards: Vec<Value> = http
        .get(portal.url("/api/v1/school-boards"))
        .send()
        .await
        .expect("boards")
        .json()
        .await
        .expect("JSON");
    assert_eq!(boards.len(), 72);

    let maelle = json!({
        "method": "identity", "board_id": "css-capitale", "last_name": "Côté",
        "first_name": "Maëlle", "birth_date": "2020-11-03", "student_number": "7319920",
        "email": "parent.demo@example.com"
    });
    let answer = http
        .post(portal.url("/api/v1/children"))
        .bearer_auth(&access)
        .json(&maelle)
        .send()
        .await
        .expect("POST");
    assert_eq!(answer.status(), StatusCode::CREATED);
    let children: Vec<Value> = http
        .get(portal.url("/api/v1/children"))
        .bearer_auth(&access)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    assert_eq!(children.len(), 1);
    assert_eq!(children[0]["first_name"], "Maëlle");

    let deleted =
        http.delete(portal.url("/api/v1/me")).bearer_auth(&access).send().await.expect("DELETE");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let refreshed = portal
        .post(
            "/auth/oauth2/v2.0/token",
            &[("client_id", CLIENT), ("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    refreshed.assert_error(400, "invalid_grant");
}
