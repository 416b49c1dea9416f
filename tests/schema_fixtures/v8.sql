-- tickwork schema version 8: made by tests/schema_fixtures/make_fixture.py
PRAGMA application_id = 1953063787;
PRAGMA user_version = 8;
BEGIN TRANSACTION;
CREATE TABLE change_counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT INTO "change_counter" VALUES(1,60);
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
INSERT INTO "runners" VALUES('rnr_3gov3c3ama5gyyqb','vm',14575,'headless','active','2026-11-29T19:59:02.466+00:00','2026-11-29T19:59:07.050+00:00','2026-11-29T19:59:17.050+00:00');
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
INSERT INTO "runs" VALUES('run_pg3qg5b3azs6vgjg','sched_vm4wnv7cmaaildwv','2026-11-29T19:59:01+00:00',1,'schedule','succeeded','rnr_3gov3c3ama5gyyqb','vm',14630,NULL,0,'run_pg3qg5b3azs6vgjg','2026-11-29T19:59:02.483+00:00','2026-11-29T19:59:02.483+00:00','2026-11-29T19:59:02.499+00:00',1.30430610006442293524e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_3dq2372z4naiyynd','sched_vm4wnv7cmaaildwv','2026-11-29T19:59:02+00:00',1,'schedule','succeeded','rnr_3gov3c3ama5gyyqb','vm',14637,'2026-11-29T19:59:02.483+00:00',0,'run_3dq2372z4naiyynd','2026-11-29T19:59:02.483+00:00','2026-11-29T19:59:02.511+00:00','2026-11-29T19:59:02.521+00:00',0.00671625700124423,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_mefjrkdb5jcwlfjh','sched_gijj3u4ys5cltvng','2026-11-29T19:59:01+00:00',1,'schedule','failed','rnr_3gov3c3ama5gyyqb','vm',14632,NULL,0,'run_mefjrkdb5jcwlfjh','2026-11-29T19:59:02.483+00:00','2026-11-29T19:59:02.483+00:00','2026-11-29T19:59:02.499+00:00',1.32232770010887179523e-02,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_w5zijqjrglwrmxgw','sched_gijj3u4ys5cltvng','2026-11-29T19:59:02+00:00',1,'schedule','failed','rnr_3gov3c3ama5gyyqb','vm',14639,'2026-11-29T19:59:02.483+00:00',0,'run_w5zijqjrglwrmxgw','2026-11-29T19:59:02.483+00:00','2026-11-29T19:59:02.511+00:00','2026-11-29T19:59:02.522+00:00',2.66196699885767884552e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_xwinncgnqjgjrs5m','sched_vm4wnv7cmaaildwv','2026-11-29T19:59:03+00:00',1,'schedule','succeeded','rnr_3gov3c3ama5gyyqb','vm',14654,NULL,0,'run_xwinncgnqjgjrs5m','2026-11-29T19:59:03.006+00:00','2026-11-29T19:59:03.006+00:00','2026-11-29T19:59:03.034+00:00',2.3776891001034528017e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_lcaz6l5x5neag25i','sched_hcglpbebbqzg32wf','2026-11-29T19:59:03.747+00:00',1,'manual','succeeded','rnr_3gov3c3ama5gyyqb','vm',NULL,'2026-11-29T19:59:03.747+00:00',0,'run_lcaz6l5x5neag25i','2026-11-29T19:59:03.747+00:00','2026-11-29T19:59:04.015+00:00','2026-11-29T19:59:04.224+00:00',6.37396999081829562783e-04,NULL,NULL,'{"schedule_id": "sched_hcglpbebbqzg32wf", "run_id": "run_lcaz6l5x5neag25i", "scheduled_for": "2026-11-29T19:59:03+00:00", "last_run_at": null, "external_id": null, "timezone": "UTC", "upcoming": [], "attempt": 1, "schedule_name": "python call"}',NULL,NULL);
INSERT INTO "runs" VALUES('run_yuytnut4i4oujpv5','sched_vm4wnv7cmaaildwv','2026-11-29T19:59:04+00:00',1,'schedule','succeeded','rnr_3gov3c3ama5gyyqb','vm',14713,NULL,0,'run_yuytnut4i4oujpv5','2026-11-29T19:59:04.010+00:00','2026-11-29T19:59:04.010+00:00','2026-11-29T19:59:04.116+00:00',9.7844333999091759324e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_xpgu7qo7ipqb4do4','sched_vm4wnv7cmaaildwv','2026-11-29T19:59:05+00:00',1,'schedule','succeeded','rnr_3gov3c3ama5gyyqb','vm',14766,NULL,0,'run_xpgu7qo7ipqb4do4','2026-11-29T19:59:05.001+00:00','2026-11-29T19:59:05.001+00:00','2026-11-29T19:59:05.051+00:00',4.86929990001954138278e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_zejqdugkleamfnu5','sched_vm4wnv7cmaaildwv','2026-11-29T19:59:06+00:00',1,'schedule','succeeded','rnr_3gov3c3ama5gyyqb','vm',14841,NULL,0,'run_zejqdugkleamfnu5','2026-11-29T19:59:06.002+00:00','2026-11-29T19:59:06.002+00:00','2026-11-29T19:59:06.010+00:00',6.53856799908680841326e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_ysgdopzyj6nwolft','sched_vm4wnv7cmaaildwv','2026-11-29T19:59:07+00:00',1,'schedule','succeeded','rnr_3gov3c3ama5gyyqb','vm',14902,NULL,0,'run_ysgdopzyj6nwolft','2026-11-29T19:59:07.001+00:00','2026-11-29T19:59:07.001+00:00','2026-11-29T19:59:07.024+00:00',2.1459159001096850261e-02,0,NULL,'tick
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
INSERT INTO "schedules" VALUES('sched_bidmo7ijxerl6vly','nightly backup','the nightly backup','IMPERATIVE',1,'CRON','30 2 * * *',NULL,NULL,'Europe/Paris','2026-11-30T01:30:00+00:00',NULL,0,100,NULL,'backup','cust-1','command','{"command": "echo backup", "cwd": "/tmp/tickwork-fixture-gu6aug5i", "env": {"A": "1"}, "kind": "command"}',60.0,2,5.0,'queue','all',0.0,NULL,NULL,'2026-11-29T19:58:57+00:00','2026-11-29T19:58:57+00:00','2026-11-29T19:58:57+00:00',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,1,NULL);
INSERT INTO "schedules" VALUES('sched_44n6z7k4d772mf7b','weekday report',NULL,'IMPERATIVE',1,'CRON','15 9 * * 1-5','09:15','[1, 2, 3, 4, 5]','America/New_York','2026-11-30T14:15:00+00:00',NULL,0,NULL,NULL,NULL,NULL,'http','{"body": "{\"a\": 1}", "headers": {"X-Key": "v"}, "kind": "http", "method": "PUT", "url": "http://127.0.0.1:9/report"}',3600.0,0,10.0,'skip','latest',10.0,NULL,NULL,'2026-11-29T19:58:57+00:00','2026-11-29T19:58:57+00:00','2026-11-29T19:58:57+00:00',NULL,'whsec_MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw',NULL,NULL,NULL,NULL,NULL,NULL,0,0,NULL);
INSERT INTO "schedules" VALUES('sched_hcglpbebbqzg32wf','python call',NULL,'IMPERATIVE',0,'CRON','0 * * * *',NULL,NULL,'UTC',NULL,'2026-11-29T19:59:04+00:00',1,NULL,NULL,NULL,NULL,'python','{"kind": "python", "target": "json:dumps"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T19:58:58+00:00','2026-11-29T19:58:58+00:00','2026-11-29T19:58:58+00:00','succeeded',NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,0,NULL);
INSERT INTO "schedules" VALUES('sched_zr2ptb4umhalcb5m','ends soon',NULL,'IMPERATIVE',1,'INTERVAL','@every 5m',NULL,NULL,'UTC','2026-11-29T20:03:59+00:00',NULL,0,NULL,'2030-01-01T00:00:00+00:00',NULL,NULL,'command','{"command": "true", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T19:58:59+00:00','2026-11-29T19:58:59+00:00','2026-11-29T19:58:59+00:00',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,0,NULL);
INSERT INTO "schedules" VALUES('sched_vm4wnv7cmaaildwv','ticker',NULL,'IMPERATIVE',0,'INTERVAL','@every 1s',NULL,NULL,'UTC',NULL,'2026-11-29T19:59:07+00:00',7,NULL,NULL,NULL,NULL,'command','{"command": "echo tick", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,'paused',NULL,'2026-11-29T19:59:00+00:00','2026-11-29T19:59:00+00:00','2026-11-29T19:59:07+00:00','succeeded',NULL,NULL,NULL,NULL,NULL,NULL,30.0,0,0,NULL);
INSERT INTO "schedules" VALUES('sched_gijj3u4ys5cltvng','flaky',NULL,'IMPERATIVE',0,'INTERVAL','@every 1s',NULL,NULL,'UTC',NULL,'2026-11-29T19:59:02+00:00',2,NULL,NULL,NULL,NULL,'command','{"command": "echo oops >&2; exit 3", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,'paused after 2 consecutive failed fires (pause_after_failures); the last was run run_w5zijqjrglwrmxgw (failed): fix it, then resume',NULL,'2026-11-29T19:59:00+00:00','2026-11-29T19:59:00+00:00','2026-11-29T19:59:02+00:00','failed',NULL,NULL,'echo hook',NULL,NULL,2,NULL,2,0,NULL);
INSERT INTO "schedules" VALUES('sched_ntkupqc7rqidqiic','nightly-export',NULL,'DECLARATIVE',1,'CRON','15 1 * * *',NULL,NULL,'Europe/Berlin','2026-11-30T00:15:00+00:00',NULL,0,NULL,NULL,NULL,NULL,'command','{"command": "echo export", "kind": "command"}',3600.0,1,10.0,'skip','latest',0.0,NULL,'/tmp/tickwork-fixture-gu6aug5i/tickwork.toml','2026-11-29T19:59:01+00:00','2026-11-29T19:59:01+00:00','2026-11-29T19:59:01+00:00',NULL,NULL,'nightly-export','echo export failed',NULL,NULL,NULL,NULL,0,0,'fixtures');
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
CREATE INDEX idx_runs_open_schedule ON runs (schedule_id) WHERE status IN ('running', 'pending');
COMMIT;
