-- tickwork schema version 2: made by tests/schema_fixtures/make_fixture.py
PRAGMA application_id = 1953063787;
PRAGMA user_version = 2;
BEGIN TRANSACTION;
CREATE TABLE runners (
            id TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            mode TEXT NOT NULL,
            state TEXT NOT NULL,
            started_at TEXT NOT NULL,
            heartbeat_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
INSERT INTO "runners" VALUES('rnr_yennsuzkw7r5axjs','vm',19904,'headless','active','2026-11-29T13:55:22.844+00:00','2026-11-29T13:55:27.018+00:00','2026-11-29T13:55:37.018+00:00');
CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            schedule_id TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
            scheduled_for TEXT NOT NULL,
            attempt INTEGER NOT NULL DEFAULT 1,
            trigger TEXT NOT NULL,
            status TEXT NOT NULL,
            runner_id TEXT,
            host TEXT,
            pid INTEGER,
            not_before TEXT,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            webhook_id TEXT,
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            duration REAL,
            exit_code INTEGER,
            http_status INTEGER,
            output TEXT,
            error TEXT,
            notify_error TEXT,
            UNIQUE (schedule_id, scheduled_for, attempt)
        );
INSERT INTO "runs" VALUES('run_zaqppytozq3hmhf3','sched_cz5ksipoydeudkyj','2026-11-29T13:55:22+00:00',1,'schedule','succeeded','rnr_yennsuzkw7r5axjs','vm',20093,NULL,0,'run_zaqppytozq3hmhf3','2026-11-29T13:55:22.844+00:00','2026-11-29T13:55:22.844+00:00','2026-11-29T13:55:22.860+00:00',5.19966699994256487116e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_644ocqikfbee5jbl','sched_mqii7ipvipdnqjkx','2026-11-29T13:55:22+00:00',1,'schedule','failed','rnr_yennsuzkw7r5axjs','vm',20095,NULL,0,'run_644ocqikfbee5jbl','2026-11-29T13:55:22.844+00:00','2026-11-29T13:55:22.844+00:00','2026-11-29T13:55:22.860+00:00',2.65037799999845447018e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_ec33kykgixiqt64q','sched_cz5ksipoydeudkyj','2026-11-29T13:55:23+00:00',1,'schedule','succeeded','rnr_yennsuzkw7r5axjs','vm',20100,NULL,0,'run_ec33kykgixiqt64q','2026-11-29T13:55:23.001+00:00','2026-11-29T13:55:23.001+00:00','2026-11-29T13:55:23.022+00:00',1.9221435999952518614e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_vqug2ss3vvmevocx','sched_mqii7ipvipdnqjkx','2026-11-29T13:55:23+00:00',1,'schedule','failed','rnr_yennsuzkw7r5axjs','vm',20102,NULL,0,'run_vqug2ss3vvmevocx','2026-11-29T13:55:23.001+00:00','2026-11-29T13:55:23.001+00:00','2026-11-29T13:55:23.023+00:00',2.78277500001422595232e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_r6xhfjme2foznlh2','sched_yuoqapfsdnsyfm4u','2026-11-29T13:55:23.583+00:00',1,'manual','succeeded','rnr_yennsuzkw7r5axjs','vm',NULL,'2026-11-29T13:55:23.583+00:00',0,'run_r6xhfjme2foznlh2','2026-11-29T13:55:23.583+00:00','2026-11-29T13:55:24.003+00:00','2026-11-29T13:55:24.014+00:00',3.00460200014640577137e-03,NULL,NULL,'{"schedule_id": "sched_yuoqapfsdnsyfm4u", "run_id": "run_r6xhfjme2foznlh2", "scheduled_for": "2026-11-29T13:55:23+00:00", "last_run_at": "2026-11-29T13:55:24+00:00", "external_id": null, "timezone": "UTC", "upcoming": [], "attempt": 1, "schedule_name": "python call"}',NULL,NULL);
INSERT INTO "runs" VALUES('run_m5q47izfe3fqjavv','sched_cz5ksipoydeudkyj','2026-11-29T13:55:24+00:00',1,'schedule','succeeded','rnr_yennsuzkw7r5axjs','vm',20122,NULL,0,'run_m5q47izfe3fqjavv','2026-11-29T13:55:24.003+00:00','2026-11-29T13:55:24.003+00:00','2026-11-29T13:55:24.010+00:00',5.30389200002900906838e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_gnpl2hdp4fweiyhz','sched_mqii7ipvipdnqjkx','2026-11-29T13:55:24+00:00',1,'schedule','failed','rnr_yennsuzkw7r5axjs','vm',20124,NULL,0,'run_gnpl2hdp4fweiyhz','2026-11-29T13:55:24.003+00:00','2026-11-29T13:55:24.003+00:00','2026-11-29T13:55:24.010+00:00',2.75207800018506532069e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_tg77qnmwv7jnxqod','sched_cz5ksipoydeudkyj','2026-11-29T13:55:25+00:00',1,'schedule','succeeded','rnr_yennsuzkw7r5axjs','vm',20160,NULL,0,'run_tg77qnmwv7jnxqod','2026-11-29T13:55:25.002+00:00','2026-11-29T13:55:25.002+00:00','2026-11-29T13:55:25.024+00:00',1.99033940000390430213e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_gsd7ldepay4gqkbb','sched_mqii7ipvipdnqjkx','2026-11-29T13:55:25+00:00',1,'schedule','failed','rnr_yennsuzkw7r5axjs','vm',20163,NULL,0,'run_gsd7ldepay4gqkbb','2026-11-29T13:55:25.002+00:00','2026-11-29T13:55:25.002+00:00','2026-11-29T13:55:25.026+00:00',1.10587970000324276043e-02,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_oi57hdst5q3ovmgg','sched_cz5ksipoydeudkyj','2026-11-29T13:55:26+00:00',1,'schedule','succeeded','rnr_yennsuzkw7r5axjs','vm',20167,NULL,0,'run_oi57hdst5q3ovmgg','2026-11-29T13:55:26.001+00:00','2026-11-29T13:55:26.001+00:00','2026-11-29T13:55:26.009+00:00',5.84644500008835166227e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_wicipkjq2i4pwj2r','sched_mqii7ipvipdnqjkx','2026-11-29T13:55:26+00:00',1,'schedule','failed','rnr_yennsuzkw7r5axjs','vm',20169,NULL,0,'run_wicipkjq2i4pwj2r','2026-11-29T13:55:26.001+00:00','2026-11-29T13:55:26.001+00:00','2026-11-29T13:55:26.009+00:00',2.8794160000416013645e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_jxlq4o3cftl5hin6','sched_cz5ksipoydeudkyj','2026-11-29T13:55:27+00:00',1,'schedule','succeeded','rnr_yennsuzkw7r5axjs','vm',20182,NULL,0,'run_jxlq4o3cftl5hin6','2026-11-29T13:55:27.001+00:00','2026-11-29T13:55:27.001+00:00','2026-11-29T13:55:27.016+00:00',5.47987899994950566906e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_bvzs6dggmdzho3bw','sched_mqii7ipvipdnqjkx','2026-11-29T13:55:27+00:00',1,'schedule','failed','rnr_yennsuzkw7r5axjs','vm',20184,NULL,0,'run_bvzs6dggmdzho3bw','2026-11-29T13:55:27.001+00:00','2026-11-29T13:55:27.001+00:00','2026-11-29T13:55:27.016+00:00',3.06411099995784752536e-03,3,NULL,'oops
','exit code 3',NULL);
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
, last_status TEXT, signing_secret TEXT);
INSERT INTO "schedules" VALUES('sched_33wk3vsqisko6jwr','nightly backup','the nightly backup','IMPERATIVE',1,'CRON','30 2 * * *',NULL,NULL,'Europe/Paris','2026-11-30T01:30:00+00:00',NULL,0,100,NULL,'backup','cust-1','command','{"command": "echo backup", "cwd": "/tmp/tickwork-fixture-7ptn1con", "env": {"A": "1"}, "kind": "command"}',60.0,2,5.0,'queue','all',0.0,NULL,NULL,'2026-11-29T13:55:19+00:00','2026-11-29T13:55:19+00:00','2026-11-29T13:55:19+00:00',NULL,NULL);
INSERT INTO "schedules" VALUES('sched_es4s3knei6xnamjj','weekday report',NULL,'IMPERATIVE',1,'CRON','15 9 * * 1-5','09:15','[1, 2, 3, 4, 5]','America/New_York','2026-11-30T14:15:00+00:00',NULL,0,NULL,NULL,NULL,NULL,'http','{"body": "{\"a\": 1}", "headers": {"X-Key": "v"}, "kind": "http", "method": "PUT", "url": "http://127.0.0.1:9/report"}',3600.0,0,10.0,'skip','latest',10.0,NULL,NULL,'2026-11-29T13:55:19+00:00','2026-11-29T13:55:19+00:00','2026-11-29T13:55:19+00:00',NULL,NULL);
INSERT INTO "schedules" VALUES('sched_yuoqapfsdnsyfm4u','python call',NULL,'IMPERATIVE',0,'CRON','0 * * * *',NULL,NULL,'UTC',NULL,'2026-11-29T13:55:24+00:00',1,NULL,NULL,NULL,NULL,'python','{"kind": "python", "target": "json:dumps"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T13:55:20+00:00','2026-11-29T13:55:20+00:00','2026-11-29T13:55:20+00:00','succeeded',NULL);
INSERT INTO "schedules" VALUES('sched_ce5ozrtl7jef2jx5','ends soon',NULL,'IMPERATIVE',1,'INTERVAL','@every 5m',NULL,NULL,'UTC','2026-11-29T14:00:21+00:00',NULL,0,NULL,'2030-01-01T00:00:00+00:00',NULL,NULL,'command','{"command": "true", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T13:55:21+00:00','2026-11-29T13:55:21+00:00','2026-11-29T13:55:21+00:00',NULL,NULL);
INSERT INTO "schedules" VALUES('sched_cz5ksipoydeudkyj','ticker',NULL,'IMPERATIVE',0,'INTERVAL','@every 1s',NULL,NULL,'UTC',NULL,'2026-11-29T13:55:27+00:00',6,NULL,NULL,NULL,NULL,'command','{"command": "echo tick", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,'paused',NULL,'2026-11-29T13:55:21+00:00','2026-11-29T13:55:21+00:00','2026-11-29T13:55:27+00:00','succeeded',NULL);
INSERT INTO "schedules" VALUES('sched_mqii7ipvipdnqjkx','flaky',NULL,'IMPERATIVE',0,'INTERVAL','@every 1s',NULL,NULL,'UTC',NULL,'2026-11-29T13:55:27+00:00',6,NULL,NULL,NULL,NULL,'command','{"command": "echo oops >&2; exit 3", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,'paused',NULL,'2026-11-29T13:55:21+00:00','2026-11-29T13:55:21+00:00','2026-11-29T13:55:27+00:00','failed',NULL);
CREATE UNIQUE INDEX idx_schedules_dedup ON schedules (deduplication_key) WHERE deduplication_key IS NOT NULL;
CREATE INDEX idx_schedules_due ON schedules (next_run_at) WHERE active = 1 AND next_run_at IS NOT NULL;
CREATE INDEX idx_schedules_name ON schedules (name);
CREATE INDEX idx_runs_schedule ON runs (schedule_id, created_at);
CREATE INDEX idx_runs_created ON runs (created_at);
CREATE INDEX idx_runs_open ON runs (status, not_before) WHERE status IN ('running', 'pending');
COMMIT;
