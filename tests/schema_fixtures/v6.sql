-- tickwork schema version 6: made by tests/schema_fixtures/make_fixture.py
PRAGMA application_id = 1953063787;
PRAGMA user_version = 6;
BEGIN TRANSACTION;
CREATE TABLE change_counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT INTO "change_counter" VALUES(1,87);
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
INSERT INTO "runners" VALUES('rnr_vhoywqcmikaoy5lf','vm',1782,'headless','active','2026-11-29T15:32:49.513+00:00','2026-11-29T15:32:54.023+00:00','2026-11-29T15:33:04.023+00:00');
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
INSERT INTO "runs" VALUES('run_727duxnlsae5zl75','sched_rg5lm2j64ckxpriz','2026-11-29T15:32:45+00:00',1,'schedule','succeeded','rnr_vhoywqcmikaoy5lf','vm',2512,NULL,0,'run_727duxnlsae5zl75','2026-11-29T15:32:49.596+00:00','2026-11-29T15:32:49.596+00:00','2026-11-29T15:32:49.652+00:00',2.1246786999654432293e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_un4l353oha7exvs7','sched_rg5lm2j64ckxpriz','2026-11-29T15:32:46+00:00',1,'schedule','succeeded','rnr_vhoywqcmikaoy5lf','vm',2520,'2026-11-29T15:32:49.596+00:00',0,'run_un4l353oha7exvs7','2026-11-29T15:32:49.596+00:00','2026-11-29T15:32:49.654+00:00','2026-11-29T15:32:49.697+00:00',4.12257380003211437724e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_yzeguwiw4wc3wqas','sched_rg5lm2j64ckxpriz','2026-11-29T15:32:47+00:00',1,'schedule','succeeded','rnr_vhoywqcmikaoy5lf','vm',2535,'2026-11-29T15:32:49.596+00:00',0,'run_yzeguwiw4wc3wqas','2026-11-29T15:32:49.596+00:00','2026-11-29T15:32:49.699+00:00','2026-11-29T15:32:49.768+00:00',2.0541810999930021353e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_rxsdxtpyoo5h7l47','sched_rg5lm2j64ckxpriz','2026-11-29T15:32:48+00:00',1,'schedule','succeeded','rnr_vhoywqcmikaoy5lf','vm',2541,'2026-11-29T15:32:49.596+00:00',0,'run_rxsdxtpyoo5h7l47','2026-11-29T15:32:49.596+00:00','2026-11-29T15:32:49.775+00:00','2026-11-29T15:32:49.808+00:00',3.04994420002913102507e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_3ml54fq2qrafrtmb','sched_rg5lm2j64ckxpriz','2026-11-29T15:32:49+00:00',1,'schedule','succeeded','rnr_vhoywqcmikaoy5lf','vm',2549,'2026-11-29T15:32:49.596+00:00',0,'run_3ml54fq2qrafrtmb','2026-11-29T15:32:49.596+00:00','2026-11-29T15:32:49.808+00:00','2026-11-29T15:32:49.820+00:00',1.09051999997973325662e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_mxiqotvxyzgomvoz','sched_4n5bfsn7qvb7glcw','2026-11-29T15:32:46+00:00',1,'schedule','failed','rnr_vhoywqcmikaoy5lf','vm',2516,NULL,0,'run_mxiqotvxyzgomvoz','2026-11-29T15:32:49.631+00:00','2026-11-29T15:32:49.631+00:00','2026-11-29T15:32:49.653+00:00',5.60250000035011908039e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_piuiblewiwr6l3nd','sched_4n5bfsn7qvb7glcw','2026-11-29T15:32:47+00:00',1,'schedule','failed','rnr_vhoywqcmikaoy5lf','vm',2525,'2026-11-29T15:32:49.631+00:00',0,'run_piuiblewiwr6l3nd','2026-11-29T15:32:49.631+00:00','2026-11-29T15:32:49.654+00:00','2026-11-29T15:32:49.698+00:00',3.85829299921169877052e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_izokkyn6rwknyosd','sched_4n5bfsn7qvb7glcw','2026-11-29T15:32:48+00:00',1,'schedule','failed','rnr_vhoywqcmikaoy5lf','vm',2537,'2026-11-29T15:32:49.631+00:00',0,'run_izokkyn6rwknyosd','2026-11-29T15:32:49.631+00:00','2026-11-29T15:32:49.699+00:00','2026-11-29T15:32:49.769+00:00',9.71966599990992108359e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_wtwo4gtzywnqjshc','sched_4n5bfsn7qvb7glcw','2026-11-29T15:32:49+00:00',1,'schedule','failed','rnr_vhoywqcmikaoy5lf','vm',2543,'2026-11-29T15:32:49.631+00:00',0,'run_wtwo4gtzywnqjshc','2026-11-29T15:32:49.631+00:00','2026-11-29T15:32:49.775+00:00','2026-11-29T15:32:49.813+00:00',2.93755239999882178381e-02,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_s6p7lmcuwqkczqa5','sched_rg5lm2j64ckxpriz','2026-11-29T15:32:50+00:00',1,'schedule','succeeded','rnr_vhoywqcmikaoy5lf','vm',2630,NULL,0,'run_s6p7lmcuwqkczqa5','2026-11-29T15:32:50.027+00:00','2026-11-29T15:32:50.027+00:00','2026-11-29T15:32:50.074+00:00',3.82239540003865840844e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_g6avv3fhbhq5n4hl','sched_5afeqveqyxjyqdnn','2026-11-29T15:32:50.585+00:00',1,'manual','succeeded','rnr_vhoywqcmikaoy5lf','vm',NULL,'2026-11-29T15:32:50.585+00:00',0,'run_g6avv3fhbhq5n4hl','2026-11-29T15:32:50.585+00:00','2026-11-29T15:32:51.019+00:00','2026-11-29T15:32:51.108+00:00',3.34855399978550849482e-03,NULL,NULL,'{"schedule_id": "sched_5afeqveqyxjyqdnn", "run_id": "run_g6avv3fhbhq5n4hl", "scheduled_for": "2026-11-29T15:32:50+00:00", "last_run_at": "2026-11-29T15:32:51+00:00", "external_id": null, "timezone": "UTC", "upcoming": [], "attempt": 1, "schedule_name": "python call"}',NULL,NULL);
INSERT INTO "runs" VALUES('run_movmap22ya6ka732','sched_rg5lm2j64ckxpriz','2026-11-29T15:32:51+00:00',1,'schedule','succeeded','rnr_vhoywqcmikaoy5lf','vm',2971,NULL,0,'run_movmap22ya6ka732','2026-11-29T15:32:51.009+00:00','2026-11-29T15:32:51.009+00:00','2026-11-29T15:32:51.105+00:00',0.085774666999896,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_fi3sww2sm4wnxovv','sched_rg5lm2j64ckxpriz','2026-11-29T15:32:52+00:00',1,'schedule','succeeded','rnr_vhoywqcmikaoy5lf','vm',3378,NULL,0,'run_fi3sww2sm4wnxovv','2026-11-29T15:32:52.012+00:00','2026-11-29T15:32:52.012+00:00','2026-11-29T15:32:52.027+00:00',0.00896197200017923,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_gay5gv4vzabgx443','sched_rg5lm2j64ckxpriz','2026-11-29T15:32:53+00:00',1,'schedule','succeeded','rnr_vhoywqcmikaoy5lf','vm',3739,NULL,0,'run_gay5gv4vzabgx443','2026-11-29T15:32:53.006+00:00','2026-11-29T15:32:53.006+00:00','2026-11-29T15:32:53.019+00:00',1.14041010001528775319e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_wf2hlsdpyqqbjz6a','sched_rg5lm2j64ckxpriz','2026-11-29T15:32:54+00:00',1,'schedule','succeeded','rnr_vhoywqcmikaoy5lf','vm',4160,NULL,0,'run_wf2hlsdpyqqbjz6a','2026-11-29T15:32:54.001+00:00','2026-11-29T15:32:54.001+00:00','2026-11-29T15:32:54.023+00:00',1.92065360006381524726e-02,0,NULL,'tick
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
, last_status TEXT, signing_secret TEXT, declared_key TEXT, on_failure TEXT, on_success TEXT, on_recovery TEXT, pause_after_failures INTEGER, max_duration_warning REAL, consecutive_failures INTEGER NOT NULL DEFAULT 0, inherit_env INTEGER NOT NULL DEFAULT 0);
INSERT INTO "schedules" VALUES('sched_ff3cqceq5e6ve2qt','nightly backup','the nightly backup','IMPERATIVE',1,'CRON','30 2 * * *',NULL,NULL,'Europe/Paris','2026-11-30T01:30:00+00:00',NULL,0,100,NULL,'backup','cust-1','command','{"command": "echo backup", "cwd": "/tmp/tickwork-fixture-6dul_gkx", "env": {"A": "1"}, "kind": "command"}',60.0,2,5.0,'queue','all',0.0,NULL,NULL,'2026-11-29T15:32:39+00:00','2026-11-29T15:32:39+00:00','2026-11-29T15:32:39+00:00',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,1);
INSERT INTO "schedules" VALUES('sched_eykzmv2ydua6xn4f','weekday report',NULL,'IMPERATIVE',1,'CRON','15 9 * * 1-5','09:15','[1, 2, 3, 4, 5]','America/New_York','2026-11-30T14:15:00+00:00',NULL,0,NULL,NULL,NULL,NULL,'http','{"body": "{\"a\": 1}", "headers": {"X-Key": "v"}, "kind": "http", "method": "PUT", "url": "http://127.0.0.1:9/report"}',3600.0,0,10.0,'skip','latest',10.0,NULL,NULL,'2026-11-29T15:32:41+00:00','2026-11-29T15:32:41+00:00','2026-11-29T15:32:41+00:00',NULL,'whsec_MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw',NULL,NULL,NULL,NULL,NULL,NULL,0,0);
INSERT INTO "schedules" VALUES('sched_5afeqveqyxjyqdnn','python call',NULL,'IMPERATIVE',0,'CRON','0 * * * *',NULL,NULL,'UTC',NULL,'2026-11-29T15:32:51+00:00',1,NULL,NULL,NULL,NULL,'python','{"kind": "python", "target": "json:dumps"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T15:32:42+00:00','2026-11-29T15:32:42+00:00','2026-11-29T15:32:42+00:00','succeeded',NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,0);
INSERT INTO "schedules" VALUES('sched_twbfvlvsavsawasl','ends soon',NULL,'IMPERATIVE',1,'INTERVAL','@every 5m',NULL,NULL,'UTC','2026-11-29T15:37:43+00:00',NULL,0,NULL,'2030-01-01T00:00:00+00:00',NULL,NULL,'command','{"command": "true", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T15:32:43+00:00','2026-11-29T15:32:43+00:00','2026-11-29T15:32:43+00:00',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,0);
INSERT INTO "schedules" VALUES('sched_rg5lm2j64ckxpriz','ticker',NULL,'IMPERATIVE',0,'INTERVAL','@every 1s',NULL,NULL,'UTC',NULL,'2026-11-29T15:32:54+00:00',10,NULL,NULL,NULL,NULL,'command','{"command": "echo tick", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,'paused',NULL,'2026-11-29T15:32:44+00:00','2026-11-29T15:32:44+00:00','2026-11-29T15:32:55+00:00','succeeded',NULL,NULL,NULL,NULL,NULL,NULL,30.0,0,0);
INSERT INTO "schedules" VALUES('sched_4n5bfsn7qvb7glcw','flaky',NULL,'IMPERATIVE',0,'INTERVAL','@every 1s',NULL,NULL,'UTC',NULL,'2026-11-29T15:32:49+00:00',4,NULL,NULL,NULL,NULL,'command','{"command": "echo oops >&2; exit 3", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,'paused after 2 consecutive failed fires (pause_after_failures); the last was run run_piuiblewiwr6l3nd (failed): fix it, then resume',NULL,'2026-11-29T15:32:45+00:00','2026-11-29T15:32:45+00:00','2026-11-29T15:32:49+00:00','failed',NULL,NULL,'echo hook',NULL,NULL,2,NULL,4,0);
INSERT INTO "schedules" VALUES('sched_7lmfwpsj7ifaew65','nightly-export',NULL,'DECLARATIVE',1,'CRON','15 1 * * *',NULL,NULL,'Europe/Berlin','2026-11-30T00:15:00+00:00',NULL,0,NULL,NULL,NULL,NULL,'command','{"command": "echo export", "kind": "command"}',3600.0,1,10.0,'skip','latest',0.0,NULL,'/tmp/tickwork-fixture-6dul_gkx/tickwork.toml','2026-11-29T15:32:46+00:00','2026-11-29T15:32:46+00:00','2026-11-29T15:32:46+00:00',NULL,NULL,'nightly-export','echo export failed',NULL,NULL,NULL,NULL,0,0);
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
