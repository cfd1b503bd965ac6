/** app-config schema of @kvcsi/backstage-plugin-backend (`configSchema` in package.json). */
export interface Config {
  kvcsi?: {
    /**
     * The cluster registry, in the same format as the CLI's and the bot's kvcsi.yaml (tenantId, clusters[], policy…).
     * @visibility backend
     */
    registry?: object;
    /**
     * A kvcsi.yaml to read instead of `registry`; else KVCSI_CONFIG. Without any of them the plugin does not start
     * (the shipped example registry is used only with `sandbox`).
     * @visibility backend
     */
    registryFile?: string;
    /**
     * Requests and audit: the bot's database (`postgres://…`, `sqlite:<path>`), so an approval in Slack shows here.
     * Absent: the plugin's own Backstage database.
     * @visibility secret
     */
    store?: string;
    /**
     * Who may request and approve (the registry's `policy` format); else the registry's `policy`; else writes are denied.
     * @visibility backend
     */
    policy?: object;
    /**
     * Run against the sandbox instead of Azure and real clusters (development only): embedded, or the one at `url`.
     * @visibility backend
     */
    sandbox?: boolean | { scenario?: string; faults?: object; /** A sandbox served by `npm run sandbox`, shared with the bot and the CLI. */ url?: string };
    /**
     * How often the bindings index is refreshed (default every 5 minutes, 4 minutes timeout).
     * @visibility backend
     */
    refresh?: {
      frequency?: { minutes?: number; seconds?: number; hours?: number } | string;
      timeout?: { minutes?: number; seconds?: number; hours?: number } | string;
      initialDelay?: { minutes?: number; seconds?: number } | string;
    };
    index?: {
      /**
       * List SecretProviderClassPodStatuses per namespace (mountedBy, synced). Default true.
       * @visibility backend
       */
      podStatuses?: boolean;
    };
    /**
     * Accept `kvcsi requests approve|reject` from the CLI at `POST /decisions/:id/approve|reject`, authenticated by the
     * user's Entra ID access token for kvcsi's API. Off when absent.
     * @visibility backend
     */
    entraDecisions?: {
      /** The token's `aud`: kvcsi's API application id URI (`api://kvcsi`) and/or its client id. */
      audiences: string[];
      /** Default https://login.microsoftonline.com. */
      authorityHost?: string;
    };
  };
}
