-- The analytics database. Every statement here is idempotent; the files run in name order.
CREATE DATABASE IF NOT EXISTS ${database};
