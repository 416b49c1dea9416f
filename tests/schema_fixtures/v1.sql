-- tickwork schema version 1: made by tests/schema_fixtures/make_fixture.py
PRAGMA application_id = 1953063787;
PRAGMA user_version = 1;
BEGIN TRANSACTION;
CREATE TABLE "schedules" (
   "id" TEXT PRIMARY KEY,
   "name" TEXT NOT NULL,
   "description" TEXT,
   "type" TEXT NOT NULL DEFAULT 'IMPERATIVE',
   "active" INTEGER NOT NULL DEFAULT 1,
   "generator_type" TEXT NOT NULL,
   "expression" TEXT NOT NULL,
   "time_of_day" TEXT,
   "days_of_week" TEXT,
   "timezone" TEXT NOT NULL,
   "next_run_at" TEXT,
   "last_run_at" TEXT,
   "run_count" INTEGER NOT NULL DEFAULT 0,
   "max_runs" INTEGER,
   "end_at" TEXT,
   "deduplication_key" TEXT,
   "external_id" TEXT,
   "action_kind" TEXT NOT NULL,
   "action" TEXT NOT NULL,
   "timeout_seconds" REAL,
   "retries" INTEGER,
   "retry_backoff_seconds" REAL,
   "overlap" TEXT,
   "catchup" TEXT,
   "jitter_seconds" REAL,
   "status_reason" TEXT,
   "declared_in" TEXT,
   "anchor_at" TEXT NOT NULL,
   "created_at" TEXT NOT NULL,
   "updated_at" TEXT NOT NULL
);
INSERT INTO "schedules" VALUES('sched_tnx7d4zjhibz3jbi','nightly backup','the nightly backup','IMPERATIVE',1,'CRON','30 2 * * *',NULL,NULL,'Europe/Paris','2026-11-30T01:30:00+00:00',NULL,0,100,NULL,'backup','cust-1','command','{"command": "echo backup", "cwd": "/tmp/tickwork-fixture-ipu14h02", "env": {"A": "1"}, "kind": "command"}',60.0,2,5.0,'queue','all',0.0,NULL,NULL,'2026-11-29T13:55:29+00:00','2026-11-29T13:55:29+00:00','2026-11-29T13:55:29+00:00');
INSERT INTO "schedules" VALUES('sched_vn4e7kd5cwdew324','weekday report',NULL,'IMPERATIVE',1,'CRON','15 9 * * 1-5','09:15','[1, 2, 3, 4, 5]','America/New_York','2026-11-30T14:15:00+00:00',NULL,0,NULL,NULL,NULL,NULL,'http','{"body": "{\"a\": 1}", "headers": {"X-Key": "v"}, "kind": "http", "method": "PUT", "url": "http://127.0.0.1:9/report"}',3600.0,0,10.0,'skip','latest',10.0,NULL,NULL,'2026-11-29T13:55:29+00:00','2026-11-29T13:55:29+00:00','2026-11-29T13:55:29+00:00');
INSERT INTO "schedules" VALUES('sched_2p76qnrokglnlwu6','python call',NULL,'IMPERATIVE',0,'CRON','0 * * * *',NULL,NULL,'UTC',NULL,NULL,0,NULL,NULL,NULL,NULL,'python','{"kind": "python", "target": "json:dumps"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T13:55:29+00:00','2026-11-29T13:55:29+00:00','2026-11-29T13:55:29+00:00');
INSERT INTO "schedules" VALUES('sched_fwdv5txnlv7fe4sz','ends soon',NULL,'IMPERATIVE',1,'INTERVAL','@every 5m',NULL,NULL,'UTC','2026-11-29T14:00:30+00:00',NULL,0,NULL,'2030-01-01T00:00:00+00:00',NULL,NULL,'command','{"command": "true", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T13:55:30+00:00','2026-11-29T13:55:30+00:00','2026-11-29T13:55:30+00:00');
INSERT INTO "schedules" VALUES('sched_hfbnh43xdjj5sl4w','ticker',NULL,'IMPERATIVE',1,'INTERVAL','@every 1s',NULL,NULL,'UTC','2026-11-29T13:55:31+00:00',NULL,0,NULL,NULL,NULL,NULL,'command','{"command": "echo tick", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T13:55:30+00:00','2026-11-29T13:55:30+00:00','2026-11-29T13:55:30+00:00');
INSERT INTO "schedules" VALUES('sched_futoiox6cgvgl5co','flaky',NULL,'IMPERATIVE',1,'INTERVAL','@every 1s',NULL,NULL,'UTC','2026-11-29T13:55:31+00:00',NULL,0,NULL,NULL,NULL,NULL,'command','{"command": "echo oops >&2; exit 3", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T13:55:30+00:00','2026-11-29T13:55:30+00:00','2026-11-29T13:55:30+00:00');
CREATE UNIQUE INDEX idx_schedules_dedup ON schedules (deduplication_key) WHERE deduplication_key IS NOT NULL;
CREATE INDEX idx_schedules_due ON schedules (next_run_at) WHERE active = 1 AND next_run_at IS NOT NULL;
CREATE INDEX idx_schedules_name ON schedules (name);
COMMIT;
