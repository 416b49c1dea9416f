-- tickwork schema version 3: made by tests/schema_fixtures/make_fixture.py
PRAGMA application_id = 1953063787;
PRAGMA user_version = 3;
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
INSERT INTO "runners" VALUES('rnr_udcyn6qd26g5sjy3','vm',19185,'headless','active','2026-11-29T13:55:12.771+00:00','2026-11-29T13:55:17.020+00:00','2026-11-29T13:55:27.020+00:00');
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
INSERT INTO "runs" VALUES('run_gbcqenk573ay7sdb','sched_epxs3jlj3aqfgrge','2026-11-29T13:55:12+00:00',1,'schedule','succeeded','rnr_udcyn6qd26g5sjy3','vm',19196,NULL,0,'run_gbcqenk573ay7sdb','2026-11-29T13:55:12.772+00:00','2026-11-29T13:55:12.772+00:00','2026-11-29T13:55:12.807+00:00',1.2862791999850742286e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_g4nvu74gcjwckiie','sched_vr33km3ctmikj5a6','2026-11-29T13:55:12+00:00',1,'schedule','failed','rnr_udcyn6qd26g5sjy3','vm',19198,NULL,0,'run_g4nvu74gcjwckiie','2026-11-29T13:55:12.772+00:00','2026-11-29T13:55:12.772+00:00','2026-11-29T13:55:12.814+00:00',1.37398000001667242031e-02,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_g7ri2gzfr4eqps3s','sched_epxs3jlj3aqfgrge','2026-11-29T13:55:13+00:00',1,'schedule','succeeded','rnr_udcyn6qd26g5sjy3','vm',19209,NULL,0,'run_g7ri2gzfr4eqps3s','2026-11-29T13:55:13.000+00:00','2026-11-29T13:55:13.000+00:00','2026-11-29T13:55:13.034+00:00',2.95099470001787267392e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_aalytmbgv2ev4wpc','sched_vr33km3ctmikj5a6','2026-11-29T13:55:13+00:00',1,'schedule','failed','rnr_udcyn6qd26g5sjy3','vm',19211,NULL,0,'run_aalytmbgv2ev4wpc','2026-11-29T13:55:13.000+00:00','2026-11-29T13:55:13.000+00:00','2026-11-29T13:55:13.034+00:00',1.58435229998303839238e-02,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_e4r76wqh4pkdslvo','sched_dompjsmkhewj2lhl','2026-11-29T13:55:13.850+00:00',1,'manual','succeeded','rnr_udcyn6qd26g5sjy3','vm',NULL,'2026-11-29T13:55:13.850+00:00',0,'run_e4r76wqh4pkdslvo','2026-11-29T13:55:13.850+00:00','2026-11-29T13:55:14.002+00:00','2026-11-29T13:55:14.021+00:00',6.35132499996871047187e-03,NULL,NULL,'{"schedule_id": "sched_dompjsmkhewj2lhl", "run_id": "run_e4r76wqh4pkdslvo", "scheduled_for": "2026-11-29T13:55:13+00:00", "last_run_at": "2026-11-29T13:55:14+00:00", "external_id": null, "timezone": "UTC", "upcoming": [], "attempt": 1, "schedule_name": "python call"}',NULL,NULL);
INSERT INTO "runs" VALUES('run_4cwv5uw5tojpk54s','sched_epxs3jlj3aqfgrge','2026-11-29T13:55:14+00:00',1,'schedule','succeeded','rnr_udcyn6qd26g5sjy3','vm',19234,NULL,0,'run_4cwv5uw5tojpk54s','2026-11-29T13:55:14.002+00:00','2026-11-29T13:55:14.002+00:00','2026-11-29T13:55:14.018+00:00',1.39965219998430256964e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_sbxmxd6gtwmbeqoo','sched_vr33km3ctmikj5a6','2026-11-29T13:55:14+00:00',1,'schedule','failed','rnr_udcyn6qd26g5sjy3','vm',19236,NULL,0,'run_sbxmxd6gtwmbeqoo','2026-11-29T13:55:14.002+00:00','2026-11-29T13:55:14.002+00:00','2026-11-29T13:55:14.018+00:00',6.46137299986548896413e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_j36ntfeurfue4klg','sched_epxs3jlj3aqfgrge','2026-11-29T13:55:15+00:00',1,'schedule','succeeded','rnr_udcyn6qd26g5sjy3','vm',19325,NULL,0,'run_j36ntfeurfue4klg','2026-11-29T13:55:15.001+00:00','2026-11-29T13:55:15.001+00:00','2026-11-29T13:55:15.010+00:00',6.84926700000687560532e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_jovxsn66qt6cllkv','sched_vr33km3ctmikj5a6','2026-11-29T13:55:15+00:00',1,'schedule','failed','rnr_udcyn6qd26g5sjy3','vm',19329,NULL,0,'run_jovxsn66qt6cllkv','2026-11-29T13:55:15.001+00:00','2026-11-29T13:55:15.001+00:00','2026-11-29T13:55:15.014+00:00',7.46988900004907918628e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_xb24uaeyqlbkwprq','sched_epxs3jlj3aqfgrge','2026-11-29T13:55:16+00:00',1,'schedule','succeeded','rnr_udcyn6qd26g5sjy3','vm',19336,NULL,0,'run_xb24uaeyqlbkwprq','2026-11-29T13:55:16.001+00:00','2026-11-29T13:55:16.001+00:00','2026-11-29T13:55:16.014+00:00',5.44137900010355224367e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_g3ibap3pw6itx34c','sched_vr33km3ctmikj5a6','2026-11-29T13:55:16+00:00',1,'schedule','failed','rnr_udcyn6qd26g5sjy3','vm',19338,NULL,0,'run_g3ibap3pw6itx34c','2026-11-29T13:55:16.001+00:00','2026-11-29T13:55:16.001+00:00','2026-11-29T13:55:16.014+00:00',3.35420200008229585364e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_y2pxrob6tn65tfn6','sched_epxs3jlj3aqfgrge','2026-11-29T13:55:17+00:00',1,'schedule','succeeded','rnr_udcyn6qd26g5sjy3','vm',19533,NULL,0,'run_y2pxrob6tn65tfn6','2026-11-29T13:55:17.001+00:00','2026-11-29T13:55:17.001+00:00','2026-11-29T13:55:17.020+00:00',1.09703919999901700066e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_4yrs7mmzr5dfxure','sched_vr33km3ctmikj5a6','2026-11-29T13:55:17+00:00',1,'schedule','failed','rnr_udcyn6qd26g5sjy3','vm',19535,NULL,0,'run_4yrs7mmzr5dfxure','2026-11-29T13:55:17.001+00:00','2026-11-29T13:55:17.001+00:00','2026-11-29T13:55:17.020+00:00',9.92467900005067349411e-03,3,NULL,'oops
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
, last_status TEXT, signing_secret TEXT, declared_key TEXT, on_failure TEXT, on_success TEXT, on_recovery TEXT);
INSERT INTO "schedules" VALUES('sched_2qmbncvdndat3qlm','nightly backup','the nightly backup','IMPERATIVE',1,'CRON','30 2 * * *',NULL,NULL,'Europe/Paris','2026-11-30T01:30:00+00:00',NULL,0,100,NULL,'backup','cust-1','command','{"command": "echo backup", "cwd": "/tmp/tickwork-fixture-25wpqyn_", "env": {"A": "1"}, "kind": "command"}',60.0,2,5.0,'queue','all',0.0,NULL,NULL,'2026-11-29T13:55:09+00:00','2026-11-29T13:55:09+00:00','2026-11-29T13:55:09+00:00',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "schedules" VALUES('sched_sfbv5x2tsd25ydya','weekday report',NULL,'IMPERATIVE',1,'CRON','15 9 * * 1-5','09:15','[1, 2, 3, 4, 5]','America/New_York','2026-11-30T14:15:00+00:00',NULL,0,NULL,NULL,NULL,NULL,'http','{"body": "{\"a\": 1}", "headers": {"X-Key": "v"}, "kind": "http", "method": "PUT", "url": "http://127.0.0.1:9/report"}',3600.0,0,10.0,'skip','latest',10.0,NULL,NULL,'2026-11-29T13:55:09+00:00','2026-11-29T13:55:09+00:00','2026-11-29T13:55:09+00:00',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "schedules" VALUES('sched_dompjsmkhewj2lhl','python call',NULL,'IMPERATIVE',0,'CRON','0 * * * *',NULL,NULL,'UTC',NULL,'2026-11-29T13:55:14+00:00',1,NULL,NULL,NULL,NULL,'python','{"kind": "python", "target": "json:dumps"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T13:55:10+00:00','2026-11-29T13:55:10+00:00','2026-11-29T13:55:10+00:00','succeeded',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "schedules" VALUES('sched_fxyltkvp5uc6kb7h','ends soon',NULL,'IMPERATIVE',1,'INTERVAL','@every 5m',NULL,NULL,'UTC','2026-11-29T14:00:10+00:00',NULL,0,NULL,'2030-01-01T00:00:00+00:00',NULL,NULL,'command','{"command": "true", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T13:55:10+00:00','2026-11-29T13:55:10+00:00','2026-11-29T13:55:10+00:00',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "schedules" VALUES('sched_epxs3jlj3aqfgrge','ticker',NULL,'IMPERATIVE',0,'INTERVAL','@every 1s',NULL,NULL,'UTC',NULL,'2026-11-29T13:55:17+00:00',6,NULL,NULL,NULL,NULL,'command','{"command": "echo tick", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,'paused',NULL,'2026-11-29T13:55:11+00:00','2026-11-29T13:55:11+00:00','2026-11-29T13:55:17+00:00','succeeded',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "schedules" VALUES('sched_vr33km3ctmikj5a6','flaky',NULL,'IMPERATIVE',0,'INTERVAL','@every 1s',NULL,NULL,'UTC',NULL,'2026-11-29T13:55:17+00:00',6,NULL,NULL,NULL,NULL,'command','{"command": "echo oops >&2; exit 3", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,'paused',NULL,'2026-11-29T13:55:11+00:00','2026-11-29T13:55:11+00:00','2026-11-29T13:55:17+00:00','failed',NULL,NULL,'echo hook',NULL,NULL);
INSERT INTO "schedules" VALUES('sched_uhmcn54wfkm4rs4f','nightly-export',NULL,'DECLARATIVE',1,'CRON','15 1 * * *',NULL,NULL,'Europe/Berlin','2026-11-30T00:15:00+00:00',NULL,0,NULL,NULL,NULL,NULL,'command','{"command": "echo export", "kind": "command"}',3600.0,1,10.0,'skip','latest',0.0,NULL,'/tmp/tickwork-fixture-25wpqyn_/tickwork.toml','2026-11-29T13:55:12+00:00','2026-11-29T13:55:12+00:00','2026-11-29T13:55:12+00:00',NULL,NULL,'nightly-export','echo export failed',NULL,NULL);
CREATE UNIQUE INDEX idx_schedules_dedup ON schedules (deduplication_key) WHERE deduplication_key IS NOT NULL;
CREATE INDEX idx_schedules_due ON schedules (next_run_at) WHERE active = 1 AND next_run_at IS NOT NULL;
CREATE INDEX idx_schedules_name ON schedules (name);
CREATE INDEX idx_runs_schedule ON runs (schedule_id, created_at);
CREATE INDEX idx_runs_created ON runs (created_at);
CREATE INDEX idx_runs_open ON runs (status, not_before) WHERE status IN ('running', 'pending');
CREATE UNIQUE INDEX idx_schedules_declared ON schedules (declared_in, declared_key) WHERE declared_key IS NOT NULL;
COMMIT;
