-- tickwork schema version 7: made by tests/schema_fixtures/make_fixture.py
PRAGMA application_id = 1953063787;
PRAGMA user_version = 7;
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
INSERT INTO "runners" VALUES('rnr_k2iub5h56wereoi2','vm',2741,'headless','active','2026-11-29T16:18:25.028+00:00','2026-11-29T16:18:28.001+00:00','2026-11-29T16:18:38.001+00:00');
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
INSERT INTO "runs" VALUES('run_cpwav4covzkoqdff','sched_7gtnuhhkuh3n35dm','2026-11-29T16:18:24+00:00',1,'schedule','succeeded','rnr_k2iub5h56wereoi2','vm',2794,NULL,0,'run_cpwav4covzkoqdff','2026-11-29T16:18:25.043+00:00','2026-11-29T16:18:25.043+00:00','2026-11-29T16:18:25.049+00:00',3.92826400093326810747e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_3q6ld536gq6djcfu','sched_7gtnuhhkuh3n35dm','2026-11-29T16:18:25+00:00',1,'schedule','succeeded','rnr_k2iub5h56wereoi2','vm',2801,'2026-11-29T16:18:25.043+00:00',0,'run_3q6ld536gq6djcfu','2026-11-29T16:18:25.043+00:00','2026-11-29T16:18:25.051+00:00','2026-11-29T16:18:25.062+00:00',6.74026399974536616355e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_72prxeafkrlbfb4y','sched_cw7bhef5i6kdj2kf','2026-11-29T16:18:24+00:00',1,'schedule','failed','rnr_k2iub5h56wereoi2','vm',2796,NULL,0,'run_72prxeafkrlbfb4y','2026-11-29T16:18:25.045+00:00','2026-11-29T16:18:25.045+00:00','2026-11-29T16:18:25.052+00:00',3.97164499918289948254e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_ik7zsdeuc6qaif2d','sched_cw7bhef5i6kdj2kf','2026-11-29T16:18:25+00:00',1,'schedule','failed','rnr_k2iub5h56wereoi2','vm',2803,'2026-11-29T16:18:25.045+00:00',0,'run_ik7zsdeuc6qaif2d','2026-11-29T16:18:25.045+00:00','2026-11-29T16:18:25.063+00:00','2026-11-29T16:18:25.067+00:00',2.843870001015602611e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_5bjqpmowl6slirwm','sched_iubn4aoibwf5b36o','2026-11-29T16:18:25.989+00:00',1,'manual','succeeded','rnr_k2iub5h56wereoi2','vm',NULL,'2026-11-29T16:18:25.989+00:00',0,'run_5bjqpmowl6slirwm','2026-11-29T16:18:25.989+00:00','2026-11-29T16:18:26.004+00:00','2026-11-29T16:18:26.092+00:00',6.00842000494594685733e-04,NULL,NULL,'{"schedule_id": "sched_iubn4aoibwf5b36o", "run_id": "run_5bjqpmowl6slirwm", "scheduled_for": "2026-11-29T16:18:25+00:00", "last_run_at": null, "external_id": null, "timezone": "UTC", "upcoming": [], "attempt": 1, "schedule_name": "python call"}',NULL,NULL);
INSERT INTO "runs" VALUES('run_lf3kyzmitu6i6zsq','sched_7gtnuhhkuh3n35dm','2026-11-29T16:18:26+00:00',1,'schedule','succeeded','rnr_k2iub5h56wereoi2','vm',3011,NULL,0,'run_lf3kyzmitu6i6zsq','2026-11-29T16:18:26.002+00:00','2026-11-29T16:18:26.002+00:00','2026-11-29T16:18:26.090+00:00',8.564374600064184051e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_v2tdmgehf6ckilsf','sched_7gtnuhhkuh3n35dm','2026-11-29T16:18:27+00:00',1,'schedule','succeeded','rnr_k2iub5h56wereoi2','vm',3101,NULL,0,'run_v2tdmgehf6ckilsf','2026-11-29T16:18:27.006+00:00','2026-11-29T16:18:27.006+00:00','2026-11-29T16:18:27.014+00:00',6.34308299959229771047e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_h2cx2klwbkozhjsa','sched_7gtnuhhkuh3n35dm','2026-11-29T16:18:28+00:00',1,'schedule','succeeded','rnr_k2iub5h56wereoi2','vm',3278,NULL,0,'run_h2cx2klwbkozhjsa','2026-11-29T16:18:28.002+00:00','2026-11-29T16:18:28.002+00:00','2026-11-29T16:18:28.012+00:00',9.0565279988368274644e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_56d7a6tqiv3ifx4l','sched_7gtnuhhkuh3n35dm','2026-11-29T16:18:29+00:00',1,'schedule','succeeded','rnr_k2iub5h56wereoi2','vm',3300,NULL,0,'run_56d7a6tqiv3ifx4l','2026-11-29T16:18:29.004+00:00','2026-11-29T16:18:29.004+00:00','2026-11-29T16:18:29.015+00:00',9.37725699986913241446e-03,0,NULL,'tick
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
, last_status TEXT, signing_secret TEXT, declared_key TEXT, on_failure TEXT, on_success TEXT, on_recovery TEXT, pause_after_failures INTEGER, max_duration_warning REAL, consecutive_failures INTEGER NOT NULL DEFAULT 0, inherit_env INTEGER NOT NULL DEFAULT 0, declared_project TEXT);
INSERT INTO "schedules" VALUES('sched_oeqnwbbici4hkkqe','nightly backup','the nightly backup','IMPERATIVE',1,'CRON','30 2 * * *',NULL,NULL,'Europe/Paris','2026-11-30T01:30:00+00:00',NULL,0,100,NULL,'backup','cust-1','command','{"command": "echo backup", "cwd": "/tmp/tickwork-fixture-r44ym4w1", "env": {"A": "1"}, "kind": "command"}',60.0,2,5.0,'queue','all',0.0,NULL,NULL,'2026-11-29T16:18:22+00:00','2026-11-29T16:18:22+00:00','2026-11-29T16:18:22+00:00',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,1,NULL);
INSERT INTO "schedules" VALUES('sched_zp55wacaauepr6pq','weekday report',NULL,'IMPERATIVE',1,'CRON','15 9 * * 1-5','09:15','[1, 2, 3, 4, 5]','America/New_York','2026-11-30T14:15:00+00:00',NULL,0,NULL,NULL,NULL,NULL,'http','{"body": "{\"a\": 1}", "headers": {"X-Key": "v"}, "kind": "http", "method": "PUT", "url": "http://127.0.0.1:9/report"}',3600.0,0,10.0,'skip','latest',10.0,NULL,NULL,'2026-11-29T16:18:22+00:00','2026-11-29T16:18:22+00:00','2026-11-29T16:18:22+00:00',NULL,'whsec_MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw',NULL,NULL,NULL,NULL,NULL,NULL,0,0,NULL);
INSERT INTO "schedules" VALUES('sched_iubn4aoibwf5b36o','python call',NULL,'IMPERATIVE',0,'CRON','0 * * * *',NULL,NULL,'UTC',NULL,'2026-11-29T16:18:26+00:00',1,NULL,NULL,NULL,NULL,'python','{"kind": "python", "target": "json:dumps"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T16:18:23+00:00','2026-11-29T16:18:23+00:00','2026-11-29T16:18:23+00:00','succeeded',NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,0,NULL);
INSERT INTO "schedules" VALUES('sched_qpkkunme32aqxzun','ends soon',NULL,'IMPERATIVE',1,'INTERVAL','@every 5m',NULL,NULL,'UTC','2026-11-29T16:23:23+00:00',NULL,0,NULL,'2030-01-01T00:00:00+00:00',NULL,NULL,'command','{"command": "true", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T16:18:23+00:00','2026-11-29T16:18:23+00:00','2026-11-29T16:18:23+00:00',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,0,NULL);
INSERT INTO "schedules" VALUES('sched_7gtnuhhkuh3n35dm','ticker',NULL,'IMPERATIVE',0,'INTERVAL','@every 1s',NULL,NULL,'UTC',NULL,'2026-11-29T16:18:29+00:00',6,NULL,NULL,NULL,NULL,'command','{"command": "echo tick", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,'paused',NULL,'2026-11-29T16:18:23+00:00','2026-11-29T16:18:23+00:00','2026-11-29T16:18:29+00:00','succeeded',NULL,NULL,NULL,NULL,NULL,NULL,30.0,0,0,NULL);
INSERT INTO "schedules" VALUES('sched_cw7bhef5i6kdj2kf','flaky',NULL,'IMPERATIVE',0,'INTERVAL','@every 1s',NULL,NULL,'UTC',NULL,'2026-11-29T16:18:25+00:00',2,NULL,NULL,NULL,NULL,'command','{"command": "echo oops >&2; exit 3", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,'paused after 2 consecutive failed fires (pause_after_failures); the last was run run_ik7zsdeuc6qaif2d (failed): fix it, then resume',NULL,'2026-11-29T16:18:23+00:00','2026-11-29T16:18:23+00:00','2026-11-29T16:18:25+00:00','failed',NULL,NULL,'echo hook',NULL,NULL,2,NULL,2,0,NULL);
INSERT INTO "schedules" VALUES('sched_ppstpu3sch3vfw3l','nightly-export',NULL,'DECLARATIVE',1,'CRON','15 1 * * *',NULL,NULL,'Europe/Berlin','2026-11-30T00:15:00+00:00',NULL,0,NULL,NULL,NULL,NULL,'command','{"command": "echo export", "kind": "command"}',3600.0,1,10.0,'skip','latest',0.0,NULL,'/tmp/tickwork-fixture-r44ym4w1/tickwork.toml','2026-11-29T16:18:24+00:00','2026-11-29T16:18:24+00:00','2026-11-29T16:18:24+00:00',NULL,NULL,'nightly-export','echo export failed',NULL,NULL,NULL,NULL,0,0,'fixtures');
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
CREATE INDEX idx_schedules_project ON schedules (declared_project, declared_key) WHERE declared_project IS NOT NULL;
COMMIT;
