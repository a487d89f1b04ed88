-- What the webmail keeps besides sessions and traces, on one machine (SQLite). Tables a webmail
-- made before migrations existed are the same: IF NOT EXISTS keeps them.
CREATE TABLE IF NOT EXISTS draft_uploads (id TEXT PRIMARY KEY, mailbox TEXT NOT NULL, name TEXT NOT NULL,
    content_type TEXT NOT NULL, data BLOB NOT NULL, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sent_messages (message_id TEXT NOT NULL, mailbox TEXT NOT NULL, raw BLOB NOT NULL,
    copied INTEGER NOT NULL, sent_at INTEGER NOT NULL, PRIMARY KEY (mailbox, message_id));
CREATE TABLE IF NOT EXISTS send_claims (message_id TEXT NOT NULL, mailbox TEXT NOT NULL, claimed_at INTEGER NOT NULL,
    PRIMARY KEY (mailbox, message_id));
CREATE TABLE IF NOT EXISTS signatures (mailbox TEXT PRIMARY KEY, signature TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS recent_correspondents (mailbox TEXT NOT NULL, address TEXT NOT NULL,
    used_at INTEGER NOT NULL, PRIMARY KEY (mailbox, address));
