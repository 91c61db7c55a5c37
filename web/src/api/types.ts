/*
 * Shapes of the server's JSON. None is written here: they are the schemas
 * of the OpenAPI document (openapi/openapi.yaml, served at
 * /api/v1/openapi.json), turned into TypeScript by openapi-typescript into
 * schema.gen.ts at every build, typecheck and test (`npm run gen:api`), so
 * the UI and the C server cannot drift apart. Every object with a
 * `currency` carries its `currency_exponent`; lib/money.ts formats amounts
 * with it.
 */
import type { components, operations } from './schema.gen';

type Schemas = components['schemas'];
type JsonBody<Op extends keyof operations> = operations[Op] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

export type TaskState = Schemas['TaskState'];
export type Stage = Schemas['Stage'];
export type ProjectRole = Schemas['ProjectRole'];
export type UserRole = Schemas['UserRole'];
export type ImportFormat = Schemas['ImportFormat'];
export type ExportFormat = Schemas['ExportFormat'];

/* GET /meta: the enumerations, from the server's own tables. */
export type Meta = Schemas['Meta'];

export type Project = Schemas['Project'];
/* Fields of POST /projects and PATCH /projects/{id}. */
export type ProjectInput = Schemas['ProjectInput'];
export type Rates = Schemas['Rates'];
export type Policies = Schemas['Policies'];

/* GET /me, and the users an admin manages (GET /users). */
export type UserRecord = Schemas['User'];
export type NewUser = Schemas['UserCreate'];
export type UserPatch = Schemas['UserPatch'];
export type Tokens = Schemas['Tokens'];

export type Member = Schemas['Member'];
export type MemberRoles = operations['membersPut']['responses'][200]['content']['application/json'];
export type Lease = Schemas['Lease'];
/* One stored version of a task's result. */
export type AnnotationVersion = Schemas['Annotation'];
/* One stint of work on a task: a claim and how it ended. */
export type WorkEntry = Schemas['WorkEntry'];
export type Task = Schemas['Task'];
/* A claimed or resumed task as its holder sees it: resumed, draft, release beacon. */
export type ClaimedTask = Schemas['ClaimedTask'];
/* Reviewers' view of an overlap task: the annotators' merged result and where they disagree. */
export type Consensus = Schemas['Consensus'];
export type ConsensusDisagreement = Schemas['ConsensusDisagreement'];

/* ML backends (api/ml.ts): a connected model server, its settings as sent, a refused prediction, an interactive answer. */
export type MlBackend = Schemas['MlBackend'];
export type MlBackendInput = Schemas['MlBackendInput'];
export type MlError = Schemas['MlError'];
export type MlPrediction = Schemas['MlPrediction'];
export type MlPredictQueued = operations['mlBackendPredict']['responses'][202]['content']['application/json'];

/* Every list answers {items, next_cursor}. */
export interface ListPage<T> {
  items: T[];
  next_cursor: string | null;
}

export type EarningsTotals = Schemas['EarningsTotals'];
export type Earnings = Schemas['Earnings'];
export type EarningsDay = Schemas['EarningsDay'];
/* GET /me/progress: the caller's own L1 work in one project. */
export type ProjectProgress = Schemas['ProjectProgress'];

/* GET /projects/{id}/escrow. */
export type Escrow = Schemas['Escrow'];
/* POST /projects/{id}/escrow/deposits and /escrow/refund. */
export type Deposit = Schemas['Movement'];
export type DepositBody = JsonBody<'deposit'>;
/* GET /projects/{id}/ledger items. */
export type LedgerLine = Schemas['LedgerLine'];

export type PayoutItem = Schemas['PayoutItem'];
export type PayoutBatch = Schemas['PayoutBatch'];
export type NewPayout = JsonBody<'payoutsCreate'>;

export type AuditRecord = Schemas['AuditRecord'];
export type AuditVerdict = Schemas['AuditVerdict'];

export type ExportJob = Schemas['Export'];
export type ExportBody = JsonBody<'exportsCreate'>;
export type ExportFilter = Schemas['ExportFilter'];

/* A downloaded export file and the name the server suggests for it (client-side). */
export interface ExportFile {
  blob: Blob;
  disposition: string | null;
}

/* GET /projects/{id}/stats. */
export type ProjectStats = Schemas['ProjectStats'];
export type ProjectAgreement = Schemas['ProjectAgreement'];
export type AgreementControl = Schemas['AgreementControl'];
export type AgreementValue = Schemas['AgreementValue'];
export type AgreementRegion = Schemas['AgreementRegion'];
export type ThroughputDay = ProjectStats['throughput'][number];
export type PersonStats = ProjectStats['people'][number];

/* Bodies of the task transitions: L2's review or L3's decision. */
export type ReviewBody = JsonBody<'review'> | JsonBody<'decide'>;

/* GET /imports/{id}. */
export type ImportJob = Schemas['Import'];
export type ImportError = ImportJob['errors'][number];

/* Media items (POST /projects/{id}/media, GET /media/{id}/info). */
export type MediaKind = Schemas['MediaKind'];
export type MediaItem = Schemas['MediaUploadItem'];
/* 201 of POST /projects/{id}/media: one task per item, all or none. */
export type MediaUpload = Schemas['MediaUpload'];
/* GET /media/{id}/info: the item and a signed link for <img>/<audio>/<video>. */
export type MediaInfo = Schemas['MediaInfo'];

/* A row of the data manager's table (GET /projects/{id}/tasks?view=table). */
export type TaskRow = Schemas['TaskRow'];
export type Person = Schemas['Person'];
/* POST /projects/{id}/tasks/bulk: the request, and what was done and what failed. */
export type BulkBody = JsonBody<'tasksBulk'>;
export type BulkAction = BulkBody['action'];
export type BulkResult = operations['tasksBulk']['responses'][200]['content']['application/json'];

/* Personal access tokens (/me/tokens): a token as listed (never its secret),
 * the fields of a new one, and the answer that shows the secret once. */
export type ApiToken = Schemas['ApiToken'];
export type NewApiToken = Schemas['ApiTokenCreate'];
export type CreatedApiToken = ApiToken & { token: string };
