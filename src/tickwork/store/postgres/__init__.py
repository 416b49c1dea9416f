"""The PostgreSQL dialect: runners on many hosts sharing one database (needs psycopg 3 and
psycopg-pool: `pip install 'tickwork[postgres]'`). Imported only for a postgresql:// URL."""
