/** The slice of Kubernetes object shapes the sandbox reads and writes. Unknown fields are kept as they are. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface CsiVolumeSource {
  driver: string;
  readOnly?: boolean;
  volumeAttributes?: Record<string, string>;
  nodePublishSecretRef?: { name: string };
}

export interface PodVolume {
  name: string;
  csi?: CsiVolumeSource;
  [key: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  [key: string]: unknown;
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  state: {
    waiting?: { reason: string; message?: string };
    running?: { startedAt: string };
    terminated?: { exitCode: number; reason?: string };
  };
}

export interface PodObject extends KubeObject {
  spec: {
    nodeName?: string;
    serviceAccountName?: string;
    containers: Container[];
    initContainers?: Container[];
    volumes?: PodVolume[];
    nodeSelector?: Record<string, string>;
    [key: string]: unknown;
  };
  status?: {
    phase?: string;
    conditions?: PodCondition[];
    containerStatuses?: ContainerStatus[];
    hostIP?: string;
    podIP?: string;
    startTime?: string;
    qosClass?: string;
    [key: string]: unknown;
  };
}

export interface SecretObjectData {
  objectName?: string;
  key?: string;
}

export interface SecretObjectSpec {
  secretName?: string;
  type?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  data?: SecretObjectData[];
}

export interface SecretProviderClassObject extends KubeObject {
  spec: {
    provider?: string;
    parameters?: Record<string, string>;
    secretObjects?: SecretObjectSpec[];
  };
}

export interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  immutable?: boolean;
}

export interface EventObject extends KubeObject {
  involvedObject: { kind: string; namespace?: string; name: string; uid?: string; apiVersion?: string; resourceVersion?: string; fieldPath?: string };
  reason: string;
  message: string;
  source: { component: string; host?: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  type: 'Normal' | 'Warning';
  eventTime: string | null;
  reportingComponent: string;
  reportingInstance: string;
}

export interface NodeObject extends KubeObject {
  spec?: { taints?: { key: string; value?: string; effect: string }[]; unschedulable?: boolean; [key: string]: unknown };
  status?: { conditions?: { type: string; status: string }[]; [key: string]: unknown };
}
