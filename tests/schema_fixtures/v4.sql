-- tickwork schema version 4: made by tests/schema_fixtures/make_fixture.py
PRAGMA application_id = 1953063787;
PRAGMA user_version = 4;
BEGIN TRANSACTION;
CREATE TABLE change_counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT INTO "change_counter" VALUES(1,84);
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
INSERT INTO "runners" VALUES('rnr_spfkm2bieufxwqav','vm',18461,'headless','active','2026-11-29T13:55:00.985+00:00','2026-11-29T13:55:05.002+00:00','2026-11-29T13:55:15.002+00:00');
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
INSERT INTO "runs" VALUES('run_vus4z3uhlirqrx4p','sched_fwcp4g3idxjukdey','2026-11-29T13:55:00+00:00',1,'schedule','succeeded','rnr_spfkm2bieufxwqav','vm',18468,NULL,0,'run_vus4z3uhlirqrx4p','2026-11-29T13:55:00.995+00:00','2026-11-29T13:55:00.995+00:00','2026-11-29T13:55:01.017+00:00',1.87423990000752382911e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_qomxklvlkximxwfu','sched_ud3vmr3kc44uysph','2026-11-29T13:55:00+00:00',1,'schedule','failed','rnr_spfkm2bieufxwqav','vm',18476,NULL,0,'run_qomxklvlkximxwfu','2026-11-29T13:55:00.998+00:00','2026-11-29T13:55:00.998+00:00','2026-11-29T13:55:01.019+00:00',0.00862086500001169,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_cr5byhsmnl6pnzyn','sched_fwcp4g3idxjukdey','2026-11-29T13:55:01+00:00',1,'schedule','succeeded','rnr_spfkm2bieufxwqav','vm',18485,NULL,0,'run_cr5byhsmnl6pnzyn','2026-11-29T13:55:01.025+00:00','2026-11-29T13:55:01.025+00:00','2026-11-29T13:55:01.033+00:00',7.28256699994744849391e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_xo4woldripbpidaq','sched_ud3vmr3kc44uysph','2026-11-29T13:55:01+00:00',1,'schedule','failed','rnr_spfkm2bieufxwqav','vm',18491,NULL,0,'run_xo4woldripbpidaq','2026-11-29T13:55:01.025+00:00','2026-11-29T13:55:01.025+00:00','2026-11-29T13:55:01.034+00:00',3.39588200017715280409e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_kvetcraxixqae6by','sched_fwcp4g3idxjukdey','2026-11-29T13:55:02+00:00',1,'schedule','succeeded','rnr_spfkm2bieufxwqav','vm',18661,NULL,0,'run_kvetcraxixqae6by','2026-11-29T13:55:02.001+00:00','2026-11-29T13:55:02.001+00:00','2026-11-29T13:55:02.022+00:00',1.94308650000039051519e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_pedtypbi4pr4hqaf','sched_ud3vmr3kc44uysph','2026-11-29T13:55:02+00:00',1,'schedule','failed','rnr_spfkm2bieufxwqav','vm',18663,NULL,0,'run_pedtypbi4pr4hqaf','2026-11-29T13:55:02.002+00:00','2026-11-29T13:55:02.002+00:00','2026-11-29T13:55:02.022+00:00',7.3201949999202042818e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_fjzn4kqyf2qnjkha','sched_sloqykrl6mdoqpyh','2026-11-29T13:55:02.267+00:00',1,'manual','succeeded','rnr_spfkm2bieufxwqav','vm',NULL,'2026-11-29T13:55:02.267+00:00',0,'run_fjzn4kqyf2qnjkha','2026-11-29T13:55:02.267+00:00','2026-11-29T13:55:03.008+00:00','2026-11-29T13:55:03.038+00:00',1.63953999999648658558e-02,NULL,NULL,'{"schedule_id": "sched_sloqykrl6mdoqpyh", "run_id": "run_fjzn4kqyf2qnjkha", "scheduled_for": "2026-11-29T13:55:02+00:00", "last_run_at": "2026-11-29T13:55:03+00:00", "external_id": null, "timezone": "UTC", "upcoming": [], "attempt": 1, "schedule_name": "python call"}',NULL,NULL);
INSERT INTO "runs" VALUES('run_tfveesxwphopiooi','sched_fwcp4g3idxjukdey','2026-11-29T13:55:03+00:00',1,'schedule','succeeded','rnr_spfkm2bieufxwqav','vm',18685,NULL,0,'run_tfveesxwphopiooi','2026-11-29T13:55:03.006+00:00','2026-11-29T13:55:03.006+00:00','2026-11-29T13:55:03.019+00:00',1.20289670001056947512e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_tlzskm4sdtihgsst','sched_ud3vmr3kc44uysph','2026-11-29T13:55:03+00:00',1,'schedule','failed','rnr_spfkm2bieufxwqav','vm',18687,NULL,0,'run_tlzskm4sdtihgsst','2026-11-29T13:55:03.007+00:00','2026-11-29T13:55:03.007+00:00','2026-11-29T13:55:03.019+00:00',1.07705489999716519378e-02,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_r6teti574zwbr2ma','sched_fwcp4g3idxjukdey','2026-11-29T13:55:04+00:00',1,'schedule','succeeded','rnr_spfkm2bieufxwqav','vm',18695,NULL,0,'run_r6teti574zwbr2ma','2026-11-29T13:55:04.002+00:00','2026-11-29T13:55:04.002+00:00','2026-11-29T13:55:04.011+00:00',8.23099699982776655815e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_k2vd5xqdefx4ewrx','sched_ud3vmr3kc44uysph','2026-11-29T13:55:04+00:00',1,'schedule','failed','rnr_spfkm2bieufxwqav','vm',18697,NULL,0,'run_k2vd5xqdefx4ewrx','2026-11-29T13:55:04.003+00:00','2026-11-29T13:55:04.003+00:00','2026-11-29T13:55:04.014+00:00',8.16676700014795642346e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_sqkibe3pywm24kmg','sched_fwcp4g3idxjukdey','2026-11-29T13:55:05+00:00',1,'schedule','succeeded','rnr_spfkm2bieufxwqav','vm',18708,NULL,0,'run_sqkibe3pywm24kmg','2026-11-29T13:55:05.003+00:00','2026-11-29T13:55:05.003+00:00','2026-11-29T13:55:05.008+00:00',4.15319400008229422383e-03,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_3bstoyzfc3glo56f','sched_ud3vmr3kc44uysph','2026-11-29T13:55:05+00:00',1,'schedule','failed','rnr_spfkm2bieufxwqav','vm',18710,NULL,0,'run_3bstoyzfc3glo56f','2026-11-29T13:55:05.004+00:00','2026-11-29T13:55:05.004+00:00','2026-11-29T13:55:05.008+00:00',2.24326800002927484456e-03,3,NULL,'oops
','exit code 3',NULL);
INSERT INTO "runs" VALUES('run_7mzw6coszpmeg4wi','sched_fwcp4g3idxjukdey','2026-11-29T13:55:06+00:00',1,'schedule','succeeded','rnr_spfkm2bieufxwqav','vm',18718,NULL,0,'run_7mzw6coszpmeg4wi','2026-11-29T13:55:06.002+00:00','2026-11-29T13:55:06.002+00:00','2026-11-29T13:55:06.018+00:00',1.57003320000512758269e-02,0,NULL,'tick
',NULL,NULL);
INSERT INTO "runs" VALUES('run_aovm2xtld7q3bpbh','sched_ud3vmr3kc44uysph','2026-11-29T13:55:06+00:00',1,'schedule','failed','rnr_spfkm2bieufxwqav','vm',18720,NULL,0,'run_aovm2xtld7q3bpbh','2026-11-29T13:55:06.002+00:00','2026-11-29T13:55:06.002+00:00','2026-11-29T13:55:06.019+00:00',7.76115000007848720997e-03,3,NULL,'oops
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
INSERT INTO "schedules" VALUES('sched_4i42uuu5uocabiki','nightly backup','the nightly backup','IMPERATIVE',1,'CRON','30 2 * * *',NULL,NULL,'Europe/Paris','2026-11-30T01:30:00+00:00',NULL,0,100,NULL,'backup','cust-1','command','{"command": "echo backup", "cwd": "/tmp/tickwork-fixture-kf_eakt7", "env": {"A": "1"}, "kind": "command"}',60.0,2,5.0,'queue','all',0.0,NULL,NULL,'2026-11-29T13:54:57+00:00','2026-11-29T13:54:57+00:00','2026-11-29T13:54:57+00:00',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "schedules" VALUES('sched_q63xhjbh7na7a56s','weekday report',NULL,'IMPERATIVE',1,'CRON','15 9 * * 1-5','09:15','[1, 2, 3, 4, 5]','America/New_York','2026-11-30T14:15:00+00:00',NULL,0,NULL,NULL,NULL,NULL,'http','{"body": "{\"a\": 1}", "headers": {"X-Key": "v"}, "kind": "http", "method": "PUT", "url": "http://127.0.0.1:9/report"}',3600.0,0,10.0,'skip','latest',10.0,NULL,NULL,'2026-11-29T13:54:58+00:00','2026-11-29T13:54:58+00:00','2026-11-29T13:54:58+00:00',NULL,'whsec_MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw',NULL,NULL,NULL,NULL);
INSERT INTO "schedules" VALUES('sched_sloqykrl6mdoqpyh','python call',NULL,'IMPERATIVE',0,'CRON','0 * * * *',NULL,NULL,'UTC',NULL,'2026-11-29T13:55:03+00:00',1,NULL,NULL,NULL,NULL,'python','{"kind": "python", "target": "json:dumps"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T13:54:58+00:00','2026-11-29T13:54:58+00:00','2026-11-29T13:54:58+00:00','succeeded',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "schedules" VALUES('sched_zygfmd3k2bhjxrd6','ends soon',NULL,'IMPERATIVE',1,'INTERVAL','@every 5m',NULL,NULL,'UTC','2026-11-29T13:59:58+00:00',NULL,0,NULL,'2030-01-01T00:00:00+00:00',NULL,NULL,'command','{"command": "true", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,NULL,NULL,'2026-11-29T13:54:58+00:00','2026-11-29T13:54:58+00:00','2026-11-29T13:54:58+00:00',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "schedules" VALUES('sched_fwcp4g3idxjukdey','ticker',NULL,'IMPERATIVE',0,'INTERVAL','@every 1s',NULL,NULL,'UTC',NULL,'2026-11-29T13:55:06+00:00',7,NULL,NULL,NULL,NULL,'command','{"command": "echo tick", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,'paused',NULL,'2026-11-29T13:54:59+00:00','2026-11-29T13:54:59+00:00','2026-11-29T13:55:06+00:00','succeeded',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "schedules" VALUES('sched_ud3vmr3kc44uysph','flaky',NULL,'IMPERATIVE',0,'INTERVAL','@every 1s',NULL,NULL,'UTC',NULL,'2026-11-29T13:55:06+00:00',7,NULL,NULL,NULL,NULL,'command','{"command": "echo oops >&2; exit 3", "kind": "command"}',3600.0,0,10.0,'skip','latest',0.0,'paused',NULL,'2026-11-29T13:54:59+00:00','2026-11-29T13:54:59+00:00','2026-11-29T13:55:06+00:00','failed',NULL,NULL,'echo hook',NULL,NULL);
INSERT INTO "schedules" VALUES('sched_z7mp62zvwebvc74n','nightly-export',NULL,'DECLARATIVE',1,'CRON','15 1 * * *',NULL,NULL,'Europe/Berlin','2026-11-30T00:15:00+00:00',NULL,0,NULL,NULL,NULL,NULL,'command','{"command": "echo export", "kind": "command"}',3600.0,1,10.0,'skip','latest',0.0,NULL,'/tmp/tickwork-fixture-kf_eakt7/tickwork.toml','2026-11-29T13:55:00+00:00','2026-11-29T13:55:00+00:00','2026-11-29T13:55:00+00:00',NULL,NULL,'nightly-export','echo export failed',NULL,NULL);
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
