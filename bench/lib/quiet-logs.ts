/**
 * Imported first by run.ts: the client cores run in this process and would log to the
 * terminal the table is printed on. They log at warn here (the app's info lines are a
 * few per user action, not per event); the server processes keep info, in their log file.
 */
if (process.env.PARLEY_LOG_LEVEL === undefined) process.env.PARLEY_LOG_LEVEL = 'warn'
export {}
