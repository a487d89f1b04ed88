-- What the webmail keeps besides sessions and traces, shared by every instance (PostgreSQL).
CREATE TABLE IF NOT EXISTS draft_uploads (id TEXT PRIMARY KEY, mailbox TEXT NOT NULL, name TEXT NOT NULL,
    content_type TEXT NOT NULL, data BYTEA NOT NULL, created BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS draft_uploads_mailbox ON draft_uploads (mailbox);
CREATE TABLE IF NOT EXISTS sent_messages (message_id TEXT NOT NULL, mailbox TEXT NOT NULL, raw BYTEA NOT NULL,
    copied BIGINT NOT NULL, sent_at BIGINT NOT NULL, PRIMARY KEY (mailbox, message_id));
CREATE TABLE IF NOT EXISTS send_claims (message_id TEXT NOT NULL, mailbox TEXT NOT NULL, claimed_at BIGINT NOT NULL,
    PRIMARY KEY (mailbox, message_id));
CREATE TABLE IF NOT EXISTS signatures (mailbox TEXT PRIMARY KEY, signature TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS recent_correspondents (mailbox TEXT NOT NULL, address TEXT NOT NULL,
    used_at BIGINT NOT NULL, PRIMARY KEY (mailbox, address));
