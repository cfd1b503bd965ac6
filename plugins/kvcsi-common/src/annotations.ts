/**
 * How a catalog entity names its kvcsi app: `kvcsi.io/app`, else the Kubernetes plugin's `backstage.io/kubernetes-id`.
 * `kvcsi.io/clusters` (comma-separated registry cluster names) narrows the clusters; absent means every cluster.
 */

export const KVCSI_APP_ANNOTATION = 'kvcsi.io/app';
export const KVCSI_CLUSTERS_ANNOTATION = 'kvcsi.io/clusters';
export const KUBERNETES_ID_ANNOTATION = 'backstage.io/kubernetes-id';

/** The structural subset of a catalog entity these helpers read (no dependency on @backstage/catalog-model). */
export interface EntityWithAnnotations {
  metadata: { annotations?: Record<string, string> };
}

export interface EntityApp {
  app: string;
  /** Which annotation named it. */
  annotation: typeof KVCSI_APP_ANNOTATION | typeof KUBERNETES_ID_ANNOTATION;
}

/** The app an entity names, or undefined when it has neither annotation (or only blank values). */
export function entityApp(entity: EntityWithAnnotations): EntityApp | undefined {
  const annotations = entity.metadata.annotations ?? {};
  const own = annotations[KVCSI_APP_ANNOTATION]?.trim();
  if (own) return { app: own, annotation: KVCSI_APP_ANNOTATION };
  const kubernetesId = annotations[KUBERNETES_ID_ANNOTATION]?.trim();
  if (kubernetesId) return { app: kubernetesId, annotation: KUBERNETES_ID_ANNOTATION };
  return undefined;
}

/** The clusters `kvcsi.io/clusters` names (trimmed, de-duplicated), or undefined for "every cluster". */
export function entityClusters(entity: EntityWithAnnotations): string[] | undefined {
  const raw = entity.metadata.annotations?.[KVCSI_CLUSTERS_ANNOTATION];
  if (raw === undefined) return undefined;
  const names = [...new Set(raw.split(',').map((name) => name.trim()).filter((name) => name !== ''))];
  return names.length === 0 ? undefined : names;
}

/** Whether the kvcsi tab has something to show: the frontend's `filter` / `if` predicate. */
export function isKvcsiAvailable(entity: EntityWithAnnotations): boolean {
  return entityApp(entity) !== undefined;
}

/** The sentence an API answer or an empty state shows to an entity without either annotation. */
export function missingAnnotationMessage(entityRef: string): string {
  return `${entityRef} names no kvcsi app: add the annotation ${KVCSI_APP_ANNOTATION}: <app> (the app.kubernetes.io/name label of its SecretProviderClasses), or ${KUBERNETES_ID_ANNOTATION}: <app>`;
}
