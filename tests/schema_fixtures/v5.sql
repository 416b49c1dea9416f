-- tickwork schema version 5: made by tests/schema_fixtures/make_fixture.py
PRAGMA application_id = 1953063787;
PRAGMA user_version = 5;
BEGIN TRANSACTION;
CREATE TABLE change_counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT INTO "change_counter" VALUES(1,55);
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
INSERT INTO "runners" VALUES('rnr_d55pjzvzjq5urtdc','vm',19509,'headless','active','2026-11-29T14:19:25.988+00:00','2026-11-29T14:19:30.001+00:00','2026-11-29T14:19:40.001+00:00');
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
INSERT INTO "runs" VALUES('run_supfnzo7ccpvmvjs','sched_x7hbqhbal6sjoy4b','2026-11-29T14:19:25+00:00',1,'schedule','succeeded','rnr_d55pjzvzjq5urtdc','vm',19515,NULL,0,'run_supfnzo7ccpvmvjs','2026-11-29T14:19:25.997+00:00','2026-11-29T14:19:25.997+00:00','2026-11-29T14:19:26.009+00:00',1.03724450000299839302e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_kplcu6gpqfsocka4','sched_s3pgc3vxcmlvqfmb','2026-11-29T14:19:25+00:00',1,'schedule','failed','rnr_d55pjzvzjq5urtdc','vm',19517,NULL,0,'run_kplcu6gpqfsocka4','2026-11-29T14:19:25.998+00:00','2026-11-29T14:19:25.998+00:00','2026-11-29T14:19:26.010+00:00',7.61563800006115343421e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_jw3rxfgrny4g2nig','sched_x7hbqhbal6sjoy4b','2026-11-29T14:19:26+00:00',1,'schedule','succeeded','rnr_d55pjzvzjq5urtdc','vm',19523,NULL,0,'run_jw3rxfgrny4g2nig','2026-11-29T14:19:26.016+00:00','2026-11-29T14:19:26.016+00:00','2026-11-29T14:19:26.025+00:00',7.17876199996680952608e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_uwfsg5ijb7vbt5fl','sched_s3pgc3vxcmlvqfmb','2026-11-29T14:19:26+00:00',1,'schedule','failed','rnr_d55pjzvzjq5urtdc','vm',19525,NULL,0,'run_uwfsg5ijb7vbt5fl','2026-11-29T14:19:26.017+00:00','2026-11-29T14:19:26.017+00:00','2026-11-29T14:19:26.026+00:00',4.6306660001391719561e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_dam2bvswjfmpeefw','sched_rf32oawhtt74ocaq','2026-11-29T14:19:26.828+00:00',1,'manual','succeeded','rnr_d55pjzvzjq5urtdc','vm',NULL,'2026-11-29T14:19:26.828+00:00',0,'run_dam2bvswjfmpeefw','2026-11-29T14:19:26.828+00:00','2026-11-29T14:19:27.008+00:00','2026-11-29T14:19:27.022+00:00',0.0062051650002104,NULL,NULL,'{"schedule_id": "sched_rf32oawhtt74ocaq", "run_id": "run_dam2bvswjfmpeefw", "scheduled_for": "2026-11-29T14:19:26+00:00", "last_run_at": "2026-11-29T14:19:27+00:00", "external_id": null, "timezone": "UTC", "upcoming": [], "attempt": 1, "schedule_name": "python call"}',NULL,NULL);
INSERT INTO "runs" VALUES('run_ultfgofh3kay32nd','sched_x7hbqhbal6sjoy4b','2026-11-29T14:19:27+00:00',1,'schedule','succeeded','rnr_d55pjzvzjq5urtdc','vm',19537,NULL,0,'run_ultfgofh3kay32nd','2026-11-29T14:19:27.007+00:00','2026-11-29T14:19:27.007+00:00','2026-11-29T14:19:27.015+00:00',7.3864699998011928983e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_mzmw7yxk2flsq7j2','sched_x7hbqhbal6sjoy4b','2026-11-29T14:19:28+00:00',1,'schedule','succeeded','rnr_d55pjzvzjq5urtdc','vm',19544,NULL,0,'run_mzmw7yxk2flsq7j2','2026-11-29T14:19:28.003+00:00','2026-11-29T14:19:28.003+00:00','2026-11-29T14:19:28.015+00:00',9.10891600005925283767e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_2kt2lmyxy6o5gel2','sched_x7hbqhbal6sjoy4b','2026-11-29T14:19:29+00:00',1,'schedule','succeeded','rnr_d55pjzvzjq5urtdc','vm',19550,NULL,0,'run_2kt2lmyxy6o5gel2','2026-11-29T14:19:29.001+00:00','2026-11-29T14:19:29.001+00:00','2026-11-29T14:19:29.016+00:00',9.72552799976256210356e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_raklzgv23lidpjjr','sched_x7hbqhbal6sjoy4b','2026-11-29T14:19:30+00:00',1,'schedule','succeeded','rnr_d55pjzvzjq5urtdc','vm',19555,NULL,0,'run_raklzgv23lidpjjr','2026-11-29T14:19:30.002+00:00','2026-11-29T14:19:30.002+00:00','2026-11-29T14:19:30.022+00:00',1.87941780000073777046e-02,0,NULL,'tick
',NULL,NULL);
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
, last_status TEXT, signing_secret TEXT, declared_key TEXT, on_failure TEXT, on_success TEXT, on_recovery TEXT, pause_after_failures INTEGER, max_duration_warning REAL, consecutive_failures INTEGER NOT NULL DEFAULT 0);
INSERT INTO "schedules" VALUES('sched_larewyafbvtrhac3','nightly backup','the nightly backup','IMPERATIVE',1,'CRON','30 2 * * *',NULL,NULL,'Europe/Paris','2026-11-30T01:30:00+00:00',NULL,0,100,NULL,'backup','cust-1','command','{"command": "echo backup", "cwd": "/tmp/tickwork-fixture-u2mluvjm", "env": {"A": "1"}, "kind": "command"}',60.0,2,5.0,'queue','all',0.0,NULL,NULL,'2026-11-29T14:19:23+00:00','2026-11-29T14:19:23+00:00','2026-11-29T14:19:23+00:00',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0);
INSERT INTO "schedules" VALUES('sched_6hgk35bv4vlpryjp','weekday report',NULL,'IMPERATIVE',1,'CRON','15 9 * * 1-5','09:15','[1, 2, 3, 4, 5]','America/New_York','2026-11-30T14:15:00+00:00',NULL,0,NULL,NULL,NULL,NULL,'http','{"body": "{\"a\": 1}", "headers": {"X-Key": "v"}, "kind": "http", "method": "PUT", "url": "http://127.0.0.1:9/report"}',3600.0,0,10.0,'skip','latest',10.0,NULL,NULL,'2026-11-29T14:19:23+00:00','2026-11-29T14:19:23+00:00','2026-11-29T14:19:23+00:00',NULL,'whsec_MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw',NULL,NULL,NULL,NULL,NULL,NULL,0);
INSERT INTO "schedules" VALUES('sched_rf32oawhtt74ocaq','python call',NULL,'IMPERATIVE',0,'CRON','0 * * * *',NULL,NULL,'UTC',NULL,'2026-11-29T14:19:27+00:00',1,NULL,NULL,NULL,NULL,'python','{"kind": "python", "target": "json:dumps"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T14:19:23+00:00','2026-11-29T14:19:23+00:00','2026-11-29T14:19:23+00:00','succeeded',NULL,NULL,NULL,NULL,NULL,NULL,NULL,0);
INSERT INTO "schedules" VALUES('sched_hrjiikvqygpg5xrw','ends soon',NULL,'IMPERATIVE',1,'INTERVAL','@every 5m',NULL,NULL,'UTC','2026-11-29T14:24:24+00:00',NULL,0,NULL,'2030-01-01T00:00:00+00:00',NULL,NULL,'command','{"command": "true", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T14:19:24+00:00','2026-11-29T14:19:24+00:00','2026-11-29T14:19:24+00:00',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0);
INSERT INTO "schedules" VALUES('sched_x7hbqhbal6sjoy4b','ticker',NULL,'IMPERATIVE',0,'INTERVAL','@every 1s',NULL,NULL,'UTC',NULL,'2026-11-29T14:19:30+00:00',6,NULL,NULL,NULL,NULL,'command','{"command": "echo tick", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,'paused',NULL,'2026-11-29T14:19:24+00:00','2026-11-29T14:19:24+00:00','2026-11-29T14:19:30+00:00','succeeded',NULL,NULL,NULL,NULL,NULL,NULL,30.0,0);
INSERT INTO "schedules" VALUES('sched_s3pgc3vxcmlvqfmb','flaky',NULL,'IMPERATIVE',0,'INTERVAL','@every 1s',NULL,NULL,'UTC',NULL,'2026-11-29T14:19:26+00:00',2,NULL,NULL,NULL,NULL,'command','{"command": "echo oops >&2; exit 3", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,'paused after 2 consecutive failed fires (pause_after_failures); the last was run run_uwfsg5ijb7vbt5fl (failed): fix it, then resume',NULL,'2026-11-29T14:19:24+00:00','2026-11-29T14:19:24+00:00','2026-11-29T14:19:26+00:00','failed',NULL,NULL,'echo hook',NULL,NULL,2,NULL,2);
INSERT INTO "schedules" VALUES('sched_lhap57cxi2yn7aet','nightly-export',NULL,'DECLARATIVE',1,'CRON','15 1 * * *',NULL,NULL,'Europe/Berlin','2026-11-30T00:15:00+00:00',NULL,0,NULL,NULL,NULL,NULL,'command','{"command": "echo export", "kind": "command"}',3600.0,1,10.0,'skip','latest',0.0,NULL,'/tmp/tickwork-fixture-u2mluvjm/tickwork.toml','2026-11-29T14:19:25+00:00','2026-11-29T14:19:25+00:00','2026-11-29T14:19:25+00:00',NULL,NULL,'nightly-export','echo export failed',NULL,NULL,NULL,NULL,0);
CREATE UNIQUE INDEX idx_schedules_dedup ON schedules (deduplication_key) WHERE deduplication_key IS NOT NULL;
CREATE INDEX idx_schedules_due ON schedules (next_run_at) WHERE active = 1 AND next_run_at IS NOT NULL;
CREATE INDEX idx_schedules_name ON schedules (name);
CREATE INDEX idx_runs_schedule ON runs (schedule_id, created_at);
CREATE INDEX idx_runs_created ON runs (created_at);
CREATE INDEX idx_runs_open ON runs (status, not_before) WHERE status IN ('running', 'pending');
CREATE UNIQUE INDEX idx_schedules_declared ON schedules (declared_in, declared_key) WHERE declared_key IS NOT NULL;
CREATE INDEX idx_schedules_next_order ON schedules ((next_run_at IS NULL), next_run_at, name, id);
CREATE INDEX idx_schedules_name_order ON schedules (name, id);
CREATE TRIGGER trg_schedules_insert_count AFTER INSERT ON schedules BEGIN UPDATE change_counter SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER trg_schedules_update_count AFTER UPDATE ON schedules BEGIN UPDATE change_counter SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER trg_schedules_delete_count AFTER DELETE ON schedules BEGIN UPDATE change_counter SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER trg_runs_insert_count AFTER INSERT ON runs BEGIN UPDATE change_counter SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER trg_runs_update_count AFTER UPDATE ON runs BEGIN UPDATE change_counter SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER trg_runs_delete_count AFTER DELETE ON runs BEGIN UPDATE change_counter SET value = value + 1 WHERE id = 1; END;
COMMIT;
