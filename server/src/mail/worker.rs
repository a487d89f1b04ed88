//! Where heavy work on a message runs (MIME parsing, HTML sanitising, XML, ZIP): on the blocking
//! pool, a few at a time, within a time budget, never on the async workers that answer everyone
//! else. Anyone in the trust space can send a message built to be slow.

use crate::error::Error;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Messages worked on at once; more wait their turn (bounded threads, bounded memory).
const AT_ONCE: usize = 4;
/// How long one piece of work may take before the request gets an answer without it.
pub const TIME_BUDGET: Duration = Duration::from_secs(10);

static TURNS: Semaphore = Semaphore::const_new(AT_ONCE);

/// Run `work` off the async workers. Its turn is held until it really ends, even when the
/// request stopped waiting for it, so that slow messages cannot pile up threads.
pub async fn off_the_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
    let too_long = || Error::TooLarge("Ce message est trop complexe pour être affiché : son traitement a été interrompu.".into());
    let turn = tokio::time::timeout(TIME_BUDGET, TURNS.acquire()).await.map_err(|_| too_long())?.map_err(|_| too_long())?;
    let task = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        work()
    });
    match tokio::time::timeout(TIME_BUDGET, task).await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(_panicked)) => Err(Error::BadInput("Ce message est mal formé et ne peut pas être lu.".into())),
        Err(_) => Err(too_long()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn slow_work_leaves_the_async_workers_free() {
        let slow = tokio::spawn(off_the_workers(|| std::thread::sleep(Duration::from_millis(800))));
        tokio::task::yield_now().await;
        // meanwhile, the one async worker still answers another request at once
        let quick = tokio::time::timeout(Duration::from_millis(400), tokio::spawn(async { 42 })).await;
        assert_eq!(quick.map(Result::unwrap), Ok(42));
        slow.await.unwrap().unwrap();
        assert!(matches!(off_the_workers(|| panic!("malformed")).await, Err(Error::BadInput(_))));
    }
}
