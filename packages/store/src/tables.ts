/** Table names, prefixed so that kvcsi can share a database with others (the Backstage backend's, say). */
export const REQUESTS_TABLE = 'kvcsi_requests';
export const AUDIT_TABLE = 'kvcsi_audit_events';
export const MIGRATIONS_TABLE = 'kvcsi_migrations';
/** Where each request's Slack card is and what it shows (the bot's replicas share it). */
export const REQUEST_CARDS_TABLE = 'kvcsi_request_cards';
/** Facts about the store itself: which kind of kvcsi created it (`mode`: sandbox or live). */
export const STORE_META_TABLE = 'kvcsi_store_meta';
/** The watcher's problems (one per workload and root cause) and the messages announcing them (one per cause). */
export const WATCH_PROBLEMS_TABLE = 'kvcsi_watch_problems';
export const WATCH_MESSAGES_TABLE = 'kvcsi_watch_messages';
/** Snoozes and mutes of the watcher's causes, chosen in Slack (one per cause). */
export const WATCH_SILENCES_TABLE = 'kvcsi_watch_silences';
/** Slack requests already handled (by trigger or event id) in the 5-minute replay window, shared by the bot's replicas. */
export const SLACK_REPLAYS_TABLE = 'kvcsi_slack_replays';
