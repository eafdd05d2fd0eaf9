//! The end-to-end scenarios in the real app window (issue 8). Run with `sh tests/e2e.sh`.

use cartable_e2e::{Result, Scenario};

#[tokio::test]
#[ignore = "needs the real window: run tests/e2e.sh"]
async fn smoke_the_app_opens() -> Result {
    Scenario::run("00-smoke", async |s: &mut Scenario| {
        s.wait_route("/connexion").await?;
        s.step("login").await
    })
    .await
}
