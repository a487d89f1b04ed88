#[tokio::main]
async fn main() {
    if let Err(e) = server::run().await {
        eprintln!("Le serveur de messagerie n'a pas pu démarrer : {e}");
        std::process::exit(1);
    }
}
