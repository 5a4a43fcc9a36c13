//! Deterministic generator of a large, realistic OpenAPI 3.0.3 document.
//!
//! `conform` has to load specs the size of the public MongoDB Atlas Admin API
//! (about 1.6 MB of YAML, hundreds of operations, hundreds of component
//! schemas, deep `allOf`/`oneOf`/`discriminator` use) quickly, and has to
//! report the handful of broken places such specs contain without giving up on
//! the rest of the document. Vendoring the real document would add megabytes
//! and a licence to the repository and would still not say where the broken
//! places are, so this module builds a document of the same shape instead:
//!
//! * the loader tests load it and assert that exactly the places listed in
//!   [`LargeSpec::expected`] are reported (and nothing else);
//! * the load benchmark uses [`LargeSpecConfig::default`] as its input.
//!
//! Everything is derived from the configuration alone, through a small inline
//! splitmix64 generator (no `rand`), so the same configuration always yields
//! the same document, and a different seed yields a different one. Building
//! the default document takes on the order of ten milliseconds in a release
//! build.

use serde_json::{Map, Value, json};

/// How many resources [`LargeSpecConfig::default`] asks for. Each resource has
/// at least five operations and at least eight component schemas, so 64 of
/// them give at least 320 operations and, with the shared schemas, at least
/// 520 component schemas whatever the seed.
const DEFAULT_RESOURCES: usize = 64;

const SCHEMAS_REF: &str = "#/components/schemas/";
const PARAMETERS_REF: &str = "#/components/parameters/";
const RESPONSES_REF: &str = "#/components/responses/";
const HEADERS_REF: &str = "#/components/headers/";

/// The default Atlas versioned media type.
const MT_2023: &str = "application/vnd.atlas.2023-01-01+json";
/// A second Atlas API version, offered next to [`MT_2023`] by some operations.
const MT_2024: &str = "application/vnd.atlas.2024-08-05+json";
/// The version Atlas uses for most of its `202 Accepted` deletions.
const MT_2023_02: &str = "application/vnd.atlas.2023-02-01+json";
/// Errors are plain JSON in Atlas.
const MT_ERROR: &str = "application/json";

const HEX24: &str = "^([a-f0-9]{24})$";
const HEX24_EXAMPLE: &str = "32b6e34b3d91647abb20e7b8";
const NAME_PATTERN: &str = "^[a-zA-Z0-9][a-zA-Z0-9_-]*$";
const ITEM_NAME_PATTERN: &str = "^[a-zA-Z0-9][a-zA-Z0-9._-]*$";

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LargeSpecConfig {
    /// Number of REST resources (a collection path plus an item path, five to
    /// seven operations and eight or more component schemas each).
    pub resources: usize,
    /// Seed of the generator: the same seed gives the same document.
    pub seed: u64,
    /// Whether to plant the broken places listed in [`LargeSpec::expected`].
    /// When `false` the same nodes hold valid values instead, so the document
    /// has the same paths, operations and schemas either way.
    pub broken: bool,
}

impl Default for LargeSpecConfig {
    /// 64 resources (at least 320 operations and 520 component schemas),
    /// seed 1, broken places planted.
    fn default() -> Self {
        Self { resources: DEFAULT_RESOURCES, seed: 1, broken: true }
    }
}

/// One broken place planted in the document, which the loader must report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedFinding {
    /// RFC 6901 JSON pointer (no leading `#`) to the offending node: the
    /// `pattern` value, the `$ref` value or the ill-typed keyword's value.
    pub pointer: String,
    /// What is wrong there.
    pub kind: FindingKind,
}

/// The kinds of broken places [`large_spec`] plants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingKind {
    /// A `pattern` that no regular-expression engine accepts (`^(abc$`).
    InvalidPattern,
    /// A `pattern` a backtracking engine accepts but a generator cannot
    /// generate from (a look-behind nothing satisfies, a look-ahead only one string passes).
    UngeneratablePattern,
    /// A `$ref` that points nowhere: a missing schema, a bad JSON pointer into
    /// an existing schema, or another (missing) file.
    UnresolvedRef,
    /// A schema keyword whose value has the wrong JSON type (`type: 7`,
    /// `properties: [1, 2]`).
    InvalidSchema,
}

/// A generated document and what a loader is expected to find in it.
#[derive(Debug, Clone, PartialEq)]
pub struct LargeSpec {
    /// The OpenAPI 3.0.3 document, as JSON.
    pub document: Value,
    /// The broken places planted (empty when [`LargeSpecConfig::broken`] is
    /// `false`), in a fixed order.
    pub expected: Vec<ExpectedFinding>,
    /// Number of operations in `paths`.
    pub operations: usize,
    /// Number of entries in `components.schemas`.
    pub schemas: usize,
}

/// Builds the document described by `config`. Deterministic: the same
/// configuration always gives an identical [`LargeSpec`].
pub fn large_spec(config: &LargeSpecConfig) -> LargeSpec {
    let mut generator = Generator::new(config);
    generator.shared_schemas();
    let resources = generator.plan_resources();
    for resource in &resources {
        generator.resource_schemas(resource);
        generator.resource_paths(resource);
    }
    generator.plant(&resources);
    generator.finish(&resources)
}

// ---------------------------------------------------------------------------
// Deterministic pseudo-random numbers.

/// splitmix64: tiny, fast, and good enough to vary the document.
#[derive(Debug, Clone)]
struct Rng {
    state: u64,
}

impl Rng {
    fn new(seed: u64) -> Self {
        Self { state: seed ^ 0x5DEE_CE66_D1CE_4E5B }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo { lo } else { lo + (self.next_u64() % (hi - lo + 1) as u64) as i64 }
    }

    /// `true` with the given probability in percent.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy + Default>(&mut self, items: &[T]) -> T {
        let index = self.below(items.len());
        items.get(index).copied().unwrap_or_default()
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------
// Vocabulary.

/// Atlas-like resources: type name, collection path below the scope (it may
/// name further path parameters, all shared in `components.parameters`), and
/// the item path parameter.
const NOUNS: &[(&str, &str, &str)] = &[
    ("Cluster", "clusters", "clusterName"),
    ("DatabaseUser", "databaseUsers/{databaseName}", "username"),
    ("AlertConfiguration", "alertConfigs", "alertConfigId"),
    ("Alert", "alerts", "alertId"),
    ("ApiKey", "apiKeys", "apiUserId"),
    ("AccessListEntry", "accessList", "entryValue"),
    ("BackupSnapshot", "clusters/{clusterName}/backup/snapshots", "snapshotId"),
    ("BackupRestoreJob", "clusters/{clusterName}/backup/restoreJobs", "restoreJobId"),
    ("ExportBucket", "backup/exportBuckets", "exportBucketId"),
    ("CustomDbRole", "customDBRoles/roles", "roleName"),
    ("DataFederationInstance", "dataFederation", "tenantName"),
    ("Event", "events", "eventId"),
    ("ThirdPartyIntegration", "integrations", "integrationType"),
    ("LdapVerifyRequest", "userSecurity/ldap/verify", "requestId"),
    ("MaintenanceWindow", "maintenanceWindows", "windowId"),
    ("NetworkPeeringConnection", "peers", "peerId"),
    ("NetworkContainer", "containers", "containerId"),
    ("PrivateEndpointService", "privateEndpoint/endpointService", "endpointServiceId"),
    ("ServerlessInstance", "serverless", "instanceName"),
    ("OnlineArchive", "clusters/{clusterName}/onlineArchives", "archiveId"),
    ("SearchIndex", "clusters/{clusterName}/search/indexes", "indexId"),
    ("Team", "teams", "teamId"),
    ("Invitation", "invites", "invitationId"),
    ("ServiceAccount", "serviceAccounts", "clientId"),
    ("StreamInstance", "streams", "streamInstanceName"),
    ("StreamConnection", "streamInstances/{streamInstanceName}/connections", "connectionName"),
    ("DataLakePipeline", "pipelines", "pipelineName"),
    ("PipelineRun", "pipelineRuns", "pipelineRunId"),
    ("EncryptionKey", "encryptionAtRest/keys", "keyId"),
    ("AuditLogConfig", "auditLogs", "auditLogId"),
    ("IdentityProvider", "identityProviders", "identityProviderId"),
    ("ResourcePolicy", "resourcePolicies", "resourcePolicyId"),
    ("FlexCluster", "flexClusters", "flexClusterName"),
    ("ProjectLimit", "limits", "limitName"),
    ("CloudProviderAccessRole", "cloudProviderAccess", "roleId"),
    ("LogIntegration", "logIntegrations", "logIntegrationId"),
    ("CostExplorerQuery", "billing/costExplorer/queries", "queryToken"),
    ("Invoice", "invoices", "invoiceId"),
    ("ProcessMeasurement", "processes/{processId}/measurements", "measurementId"),
    ("SuggestedIndex", "processes/{processId}/performanceAdvisor/suggestedIndexes", "suggestionId"),
    ("CollectionStatsRule", "collStatsRules", "ruleId"),
    ("GlobalWriteZone", "clusters/{clusterName}/globalWrites/zones", "zoneId"),
    ("ScheduledExport", "backup/scheduledExports", "exportId"),
    ("X509Certificate", "userSecurity/certificates", "certificateId"),
    ("SearchDeployment", "clusters/{clusterName}/search/deployments", "deploymentId"),
];

/// Where a resource lives: type-name prefix, path prefix, its parameter, and
/// a tag prefix.
struct Scope {
    prefix: &'static str,
    path: &'static str,
    tag: &'static str,
    label: &'static str,
}

const SCOPES: &[Scope] = &[
    Scope { prefix: "", path: "groups/{groupId}", tag: "", label: "One Project" },
    Scope { prefix: "Org", path: "orgs/{orgId}", tag: "Organization ", label: "One Organization" },
    Scope {
        prefix: "Federated",
        path: "federationSettings/{federationSettingsId}",
        tag: "Federated ",
        label: "One Federation",
    },
];

/// Action verbs for the extra POST operations.
const VERBS: &[&str] = &[
    "pause",
    "resume",
    "restart",
    "validate",
    "rotate",
    "testFailover",
    "verify",
    "acknowledge",
    "download",
    "cancel",
    "pin",
    "upgrade",
];

/// Patterns used in the document, each with a matching example and the
/// property names a random pattern property may take (empty: not used by
/// random properties). All are valid for the Rust `regex` crate, ECMA-262 and
/// Python `re`.
const PATTERNS: &[(&str, &str, &[&str])] = &[
    (HEX24, HEX24_EXAMPLE, &["parentId", "ownerId", "sourceClusterId", "linkedProjectId"]),
    (NAME_PATTERN, "example-name", &["resourceLabel", "aliasName"]),
    (ITEM_NAME_PATTERN, "example-1.a", &[]),
    ("^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$", "prod-cluster-01", &["hostLabel", "shortName", "slug"]),
    (
        "^([0-9]{1,3}\\.){3}[0-9]{1,3}/([0-9]|[1-2][0-9]|3[0-2])$",
        "192.168.248.0/21",
        &["cidrBlock", "atlasCidrBlock", "routeTableCidrBlock"],
    ),
    (
        "^arn:aws:iam::[0-9]{12}:role/.*$",
        "arn:aws:iam::123456789012:role/atlas-access",
        &["iamAssumedRoleArn", "roleArn"],
    ),
    ("^[0-9]+\\.[0-9]+(\\.[0-9]+)?$", "7.0.12", &["mongoDBVersion", "featureCompatibilityVersion", "agentVersion"]),
    ("^[a-z][a-z0-9_]*$", "orders_db", &["databaseKey", "collectionPrefix", "namespacePrefix"]),
    ("^(M[0-9]{1,3}|R[0-9]{2,3}|FLEX)$", "M30", &["instanceSize", "computeTier"]),
    ("^\\d{4}-\\d{2}$", "2024-05", &["billingPeriod", "reportMonth"]),
    ("^\\S+$", "token-1f2e3d", &["secretRef", "keyIdentifier", "vaultPath"]),
    (
        "^https://[a-z0-9.-]+(:[0-9]+)?(/.*)?$",
        "https://hooks.example.com/atlas",
        &["webhookTarget", "issuerUri", "jwksUri"],
    ),
    ("^[A-Z]{2}$", "US", &["countryCode", "regionCode"]),
    ("^([a-zA-Z0-9_-]+)(,[a-zA-Z0-9_-]+)*$", "alpha,beta", &["fieldList", "includeFields"]),
    ("^#?[0-9a-fA-F]{6}$", "#1a2b3c", &["colorHex"]),
    ("^[0-9]{4}-[0-9]{4}-[0-9]{4}$", "1234-5678-9012", &["accountNumber"]),
    ("^(\\+|-)?[0-9]{1,2}:[0-9]{2}$", "+05:30", &["utcOffset"]),
    ("^[A-Z][A-Z0-9_]*$", "VALIDATION_ERROR", &[]),
    ("^#?[a-z0-9_-]+$", "#atlas-alerts", &[]),
    ("^\\+[1-9][0-9]{6,14}$", "+15555550123", &[]),
    ("^[0-9]+\\.[0-9]+\\.[0-9]+$", "1.2.3", &[]),
    ("^mongodb(\\+srv)?://.+$", "mongodb+srv://cluster0.example.mongodb.net", &[]),
    ("^[a-zA-Z_][a-zA-Z0-9_.]*$", "status.code", &[]),
    ("^([a-z0-9][a-z0-9.-]*):[0-9]{4,5}$", "atlas-abc-shard-00-00.mongodb.net:27017", &[]),
    ("^[a-zA-Z0-9_-]{1,64}$", "name_1", &[]),
    ("^[A-Za-z0-9+/=]*$", "c2VjcmV0", &[]),
    ("^[a-z0-9]{8,32}$", "a1b2c3d4", &[]),
    ("^[a-z]+$", "prefix", &[]),
    ("^(a)b$", "ab", &[]),
];

/// Enumerations for random enum properties: property names and values.
const ENUMS: &[(&[&str], &[&str])] = &[
    (&["stateName", "status"], &["IDLE", "CREATING", "UPDATING", "DELETING", "REPAIRING"]),
    (&["regionName", "homeRegion"], &["US_EAST_1", "EU_WEST_1", "AP_SOUTHEAST_2", "CENTRAL_US"]),
    (&["priority", "severity"], &["LOW", "MEDIUM", "HIGH", "CRITICAL"]),
    (&["authMechanism", "authType"], &["SCRAM", "X509", "AWS_IAM", "OIDC", "LDAP"]),
    (&["backingProviderName", "cloudProvider"], &["AWS", "AZURE", "GCP"]),
    (&["diskWarmingMode", "readPreference"], &["FULLY_WARMED", "VISIBLE_EARLIER", "PRIMARY", "SECONDARY"]),
    (&["frequencyType", "unit"], &["HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
];

/// Role-like values for arrays of enum strings.
const ROLES: &[&str] =
    &["GROUP_OWNER", "GROUP_READ_ONLY", "GROUP_DATA_ACCESS_ADMIN", "ORG_MEMBER", "ORG_OWNER", "ORG_BILLING_ADMIN"];

/// Variants of the `oneOf` + `discriminator` provider settings.
const PROVIDERS: &[(&str, &str)] = &[("AWS", "Aws"), ("AZURE", "Azure"), ("GCP", "Gcp"), ("TENANT", "Tenant")];

/// Variants of the inheritance-style discriminator (children `allOf` the base),
/// with the child's own property: name, and schema.
const CHANNELS: &[(&str, &str, &str)] = &[
    ("EMAIL", "Email", "emailAddress"),
    ("SLACK", "Slack", "channelName"),
    ("WEBHOOK", "Webhook", "webhookUrl"),
    ("SMS", "Sms", "mobileNumber"),
];

// ---------------------------------------------------------------------------
// Small helpers.

/// RFC 6901 escaping of one reference token.
fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// A JSON pointer from raw (unescaped) tokens.
fn pointer(tokens: &[&str]) -> String {
    let mut out = String::new();
    for token in tokens {
        out.push('/');
        out.push_str(&escape_token(token));
    }
    out
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("{SCHEMAS_REF}{name}") })
}

fn parameter_ref(name: &str) -> Value {
    json!({ "$ref": format!("{PARAMETERS_REF}{name}") })
}

fn response_ref(name: &str) -> Value {
    json!({ "$ref": format!("{RESPONSES_REF}{name}") })
}

/// `camelCase` or `PascalCase` to lower-case words.
fn words(name: &str) -> String {
    let mut out = String::new();
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit()) {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
        previous = Some(c);
    }
    out
}

/// `words` with every word capitalised.
fn title(name: &str) -> String {
    words(name)
        .split(' ')
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `words` with the first letter capitalised.
fn sentence(name: &str) -> String {
    let text = words(name);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn plural(name: &str) -> String {
    if let Some(stem) = name.strip_suffix('y').filter(|stem| !stem.ends_with(['a', 'e', 'o', 'u'])) {
        return format!("{stem}ies");
    }
    if name.ends_with('s') || name.ends_with('x') || name.ends_with("ch") {
        format!("{name}es")
    } else {
        format!("{name}s")
    }
}

/// The names of the `{...}` template expressions in a path.
fn template_names(path: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                names.push(after[..end].to_string());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    names
}

fn pattern_example(pattern: &str) -> Option<&'static str> {
    PATTERNS.iter().find(|(p, _, _)| *p == pattern).map(|(_, example, _)| *example)
}

/// Whether an example is generated for a request body or a response body:
/// `readOnly` properties are left out of the former, `writeOnly` ones out of
/// the latter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Request,
    Response,
}

/// Which optional schema families a resource adds. Every resource has exactly
/// one primary family (each adds at least one component schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Family {
    /// `oneOf` of `allOf` children with a `discriminator` and explicit mapping.
    #[default]
    Discriminated,
    /// A base schema with a `discriminator`; children `allOf` the base.
    Inheritance,
    /// A tree node that references itself through an array.
    Tree,
    /// `oneOf` of differently-typed branches, no discriminator.
    OneOfTarget,
    /// `anyOf` of object branches.
    AnyOfMatch,
}

const FAMILIES: &[Family] =
    &[Family::Discriminated, Family::Inheritance, Family::Tree, Family::OneOfTarget, Family::AnyOfMatch];

/// One REST resource of the document.
#[derive(Debug, Clone)]
struct Resource {
    /// Type-name prefix of its schemas, e.g. `OrgCluster`.
    name: String,
    /// Plural of `name`, for operation ids.
    plural: String,
    /// Lower-case words naming it, for descriptions.
    words: String,
    /// Human title (`Cluster`) and plural title (`Clusters`).
    title: String,
    plural_title: String,
    /// Where it lives, for summaries.
    scope_label: &'static str,
    tag: String,
    list_path: String,
    item_path: String,
    /// Path parameters of `list_path`, all in `components.parameters`.
    shared_params: Vec<String>,
    /// The item path parameter, declared inline.
    id_param: &'static str,
    /// API version of the path (`2` for `/api/atlas/v2`).
    version: usize,
    path_level_params: bool,
    has_put: bool,
    action: Option<(&'static str, bool)>,
    update_uses_leaf: bool,
    has_detail: bool,
    families: Vec<Family>,
}

// ---------------------------------------------------------------------------
// The generator.

struct Generator<'a> {
    config: &'a LargeSpecConfig,
    rng: Rng,
    schemas: Map<String, Value>,
    parameters: Map<String, Value>,
    paths: Map<String, Value>,
    tags: Vec<Value>,
    operations: usize,
    expected: Vec<ExpectedFinding>,
    /// Property names random properties must not take: those of the other
    /// parts of the `allOf` chain being built, so that merged parts never
    /// declare one property twice with different constraints.
    reserved: Vec<String>,
}

impl<'a> Generator<'a> {
    fn new(config: &'a LargeSpecConfig) -> Self {
        Self {
            config,
            rng: Rng::new(config.seed),
            schemas: Map::new(),
            parameters: Map::new(),
            paths: Map::new(),
            tags: Vec::new(),
            operations: 0,
            expected: Vec::new(),
            reserved: Vec::new(),
        }
    }

    // -- shared components -------------------------------------------------

    fn shared_schemas(&mut self) {
        let s = &mut self.schemas;
        s.insert(
            "ApiError".into(),
            json!({
                "type": "object",
                "description": "Error details returned by every failing Atlas Administration API call.",
                "required": ["error", "errorCode", "reason"],
                "properties": {
                    "badRequestDetail": { "$ref": "#/components/schemas/BadRequestDetail" },
                    "detail": {
                        "type": "string",
                        "description": "Describes the specific conditions or reasons that cause each type of error."
                    },
                    "error": {
                        "type": "integer",
                        "format": "int32",
                        "description": "HTTP status code returned with this error.",
                        "minimum": 400,
                        "maximum": 599,
                        "readOnly": true
                    },
                    "errorCode": {
                        "type": "string",
                        "description": "Application error code returned with this error.",
                        "pattern": "^[A-Z][A-Z0-9_]*$",
                        "readOnly": true
                    },
                    "parameters": {
                        "type": "array",
                        "description": "Parameters used to give more information about the error.",
                        "items": {},
                        "readOnly": true
                    },
                    "reason": {
                        "type": "string",
                        "description": "Application error message returned with this error.",
                        "readOnly": true
                    }
                }
            }),
        );
        s.insert(
            "BadRequestDetail".into(),
            json!({
                "type": "object",
                "description": "Bad request detail.",
                "properties": {
                    "fields": {
                        "type": "array",
                        "description": "Describes all violations in a client request.",
                        "items": { "$ref": "#/components/schemas/FieldViolation" }
                    }
                },
                "readOnly": true
            }),
        );
        s.insert(
            "FieldViolation".into(),
            json!({
                "type": "object",
                "required": ["description", "field"],
                "properties": {
                    "description": {
                        "type": "string",
                        "description": "A description of why the request element is bad."
                    },
                    "field": {
                        "type": "string",
                        "description": "A path that leads to a field in the request body."
                    }
                }
            }),
        );
        s.insert(
            "Link".into(),
            json!({
                "type": "object",
                "properties": {
                    "href": {
                        "type": "string",
                        "format": "uri",
                        "description": "Uniform Resource Locator (URL) that points another API resource to which this response has some relationship.",
                        "example": "https://cloud.mongodb.com/api/atlas"
                    },
                    "rel": {
                        "type": "string",
                        "description": "Uniform Resource Locator (URL) that defines the semantic relationship between this resource and another API resource.",
                        "example": "self"
                    }
                }
            }),
        );
        s.insert(
            "ProviderSettingsBase".into(),
            json!({
                "type": "object",
                "description": "Settings shared by every cloud provider.",
                "required": ["providerName"],
                "properties": {
                    "providerName": {
                        "type": "string",
                        "description": "Cloud service provider on which Atlas provisions the hosts."
                    }
                }
            }),
        );
        s.insert(
            "ViewMode".into(),
            json!({
                "type": "string",
                "description": "How much detail the response carries.",
                "enum": ["SUMMARY", "FULL", "COMPACT"],
                "default": "SUMMARY"
            }),
        );
        s.insert(
            "TagEntry".into(),
            json!({
                "type": "object",
                "description": "Key-value pair that tags and categorizes an Atlas resource.",
                "required": ["key", "value"],
                "additionalProperties": false,
                "properties": {
                    "key": {
                        "type": "string",
                        "description": "Constant that defines the set of the tag.",
                        "minLength": 1,
                        "maxLength": 255
                    },
                    "value": {
                        "type": "string",
                        "description": "Variable that belongs to the set of the tag.",
                        "minLength": 1,
                        "maxLength": 255
                    }
                }
            }),
        );
        s.insert(
            "TimeWindow".into(),
            json!({
                "type": "object",
                "description": "A window of time, optionally restricted to one day of the week.",
                "properties": {
                    "startDate": { "type": "string", "format": "date-time" },
                    "endDate": { "type": "string", "format": "date-time" },
                    "dayOfWeek": {
                        "type": "integer",
                        "format": "int32",
                        "minimum": 1,
                        "maximum": 7,
                        "description": "One-based day of the week, starting on Sunday."
                    }
                }
            }),
        );
        // Self-recursive through an array.
        s.insert(
            "CriteriaNode".into(),
            json!({
                "type": "object",
                "description": "Boolean combination of conditions; groups nest to any depth.",
                "required": ["operator"],
                "properties": {
                    "operator": { "type": "string", "enum": ["AND", "OR"] },
                    "conditions": {
                        "type": "array",
                        "items": { "$ref": "#/components/schemas/CriteriaCondition" }
                    },
                    "groups": {
                        "type": "array",
                        "maxItems": 16,
                        "items": { "$ref": "#/components/schemas/CriteriaNode" }
                    }
                }
            }),
        );
        s.insert(
            "CriteriaCondition".into(),
            json!({
                "type": "object",
                "required": ["field", "op"],
                "properties": {
                    "field": { "type": "string", "pattern": "^[a-zA-Z_][a-zA-Z0-9_.]*$" },
                    "op": { "type": "string", "enum": ["EQ", "NE", "GT", "LT", "IN", "REGEX"] },
                    "value": {
                        "description": "Value compared with the field.",
                        "oneOf": [
                            { "type": "string", "maxLength": 1024 },
                            { "type": "number" },
                            { "type": "boolean" }
                        ]
                    }
                }
            }),
        );
        // Mutual recursion: FilterGroup -> FilterClause -> FilterGroup.
        s.insert(
            "FilterGroup".into(),
            json!({
                "type": "object",
                "required": ["clauses"],
                "properties": {
                    "negate": { "type": "boolean", "default": false },
                    "clauses": {
                        "type": "array",
                        "minItems": 1,
                        "items": { "$ref": "#/components/schemas/FilterClause" }
                    }
                }
            }),
        );
        s.insert(
            "FilterClause".into(),
            json!({
                "type": "object",
                "required": ["key"],
                "properties": {
                    "key": { "type": "string", "minLength": 1, "maxLength": 128 },
                    "matches": { "type": "string", "maxLength": 256, "nullable": true },
                    "nested": { "$ref": "#/components/schemas/FilterGroup" }
                }
            }),
        );
        s.insert(
            "PaginatedLinks".into(),
            json!({
                "type": "array",
                "description": "List of one or more Uniform Resource Locators (URLs) that point to API sub-resources, related API resources, or both. RFC 5988 outlines these relationships.",
                "readOnly": true,
                "items": { "$ref": "#/components/schemas/Link" }
            }),
        );

        let shared_param = |name: &str, description: &str, pattern: &str, example: &str| {
            json!({
                "name": name,
                "in": "path",
                "description": description,
                "required": true,
                "schema": { "type": "string", "pattern": pattern },
                "example": example
            })
        };
        let p = &mut self.parameters;
        p.insert(
            "groupId".into(),
            json!({
                "name": "groupId",
                "in": "path",
                "description": "Unique 24-hexadecimal digit string that identifies your project. Use the /groups endpoint to retrieve all projects to which the authenticated user has access.",
                "required": true,
                "schema": {
                    "type": "string",
                    "pattern": HEX24,
                    "minLength": 24,
                    "maxLength": 24
                },
                "example": HEX24_EXAMPLE
            }),
        );
        p.insert(
            "orgId".into(),
            shared_param(
                "orgId",
                "Unique 24-hexadecimal digit string that identifies the organization that contains your projects.",
                HEX24,
                "4888442a3354817a7320eb61",
            ),
        );
        p.insert(
            "federationSettingsId".into(),
            shared_param(
                "federationSettingsId",
                "Unique 24-hexadecimal digit string that identifies your federation.",
                HEX24,
                "55fa922fb343282757d9554e",
            ),
        );
        p.insert(
            "clusterName".into(),
            shared_param(
                "clusterName",
                "Human-readable label that identifies the cluster.",
                "^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$",
                "prod-cluster-01",
            ),
        );
        p.insert(
            "databaseName".into(),
            shared_param(
                "databaseName",
                "The database against which the user authenticates.",
                "^[a-z][a-z0-9_]*$",
                "admin",
            ),
        );
        p.insert(
            "processId".into(),
            shared_param(
                "processId",
                "Combination of hostname and port that serves the MongoDB process.",
                "^([a-z0-9][a-z0-9.-]*):[0-9]{4,5}$",
                "atlas-abc-shard-00-00.mongodb.net:27017",
            ),
        );
        p.insert(
            "streamInstanceName".into(),
            shared_param(
                "streamInstanceName",
                "Human-readable label that identifies the stream instance.",
                NAME_PATTERN,
                "stream-0",
            ),
        );
        p.insert(
            "envelope".into(),
            json!({
                "name": "envelope",
                "in": "query",
                "description": "Flag that indicates whether Application wraps the response in an envelope JSON object.",
                "schema": { "type": "boolean", "default": false }
            }),
        );
        p.insert(
            "includeCount".into(),
            json!({
                "name": "includeCount",
                "in": "query",
                "description": "Flag that indicates whether the response returns the total number of items (totalCount) in the response.",
                "schema": { "type": "boolean", "default": true }
            }),
        );
        p.insert(
            "itemsPerPage".into(),
            json!({
                "name": "itemsPerPage",
                "in": "query",
                "description": "Number of items that the response returns per page.",
                "schema": {
                    "type": "integer",
                    "format": "int32",
                    "minimum": 1,
                    "maximum": 500,
                    "default": 100
                }
            }),
        );
        p.insert(
            "pageNum".into(),
            json!({
                "name": "pageNum",
                "in": "query",
                "description": "Number of the page that displays the current set of the total objects that the response returns.",
                "schema": { "type": "integer", "format": "int32", "minimum": 1, "default": 1 }
            }),
        );
        p.insert(
            "pretty".into(),
            json!({
                "name": "pretty",
                "in": "query",
                "description": "Flag that indicates whether the response body should be in the prettyprint format.",
                "schema": { "type": "boolean", "default": false }
            }),
        );
    }

    fn shared_responses() -> Value {
        let error = |status: u16, code: &str, reason: &str, detail: &str| {
            json!({
                "description": reason,
                "content": {
                    MT_ERROR: {
                        "schema": { "$ref": "#/components/schemas/ApiError" },
                        "example": {
                            "detail": detail,
                            "error": status,
                            "errorCode": code,
                            "reason": reason
                        }
                    }
                }
            })
        };
        let mut responses = Map::new();
        responses.insert(
            "badRequest".into(),
            error(
                400,
                "VALIDATION_ERROR",
                "Bad Request",
                "(This is just an example, the exception may not be related to this endpoint) No provider AWS exists.",
            ),
        );
        responses.insert(
            "unauthorized".into(),
            error(
                401,
                "NOT_ORG_GROUP_CREATOR",
                "Unauthorized",
                "(This is just an example, the exception may not be related to this endpoint) The currently logged in user does not have the required permissions.",
            ),
        );
        responses.insert(
            "forbidden".into(),
            error(
                403,
                "CANNOT_CHANGE_GROUP_NAME",
                "Forbidden",
                "(This is just an example, the exception may not be related to this endpoint)",
            ),
        );
        responses.insert(
            "notFound".into(),
            error(
                404,
                "RESOURCE_NOT_FOUND",
                "Not Found",
                "(This is just an example, the exception may not be related to this endpoint) Cannot find resource AWS.",
            ),
        );
        responses.insert(
            "conflict".into(),
            error(
                409,
                "CANNOT_DELETE_GROUP_WITH_OTHER_ACTIVE_RESOURCES",
                "Conflict",
                "(This is just an example, the exception may not be related to this endpoint) Cannot delete the project because it has active resources.",
            ),
        );
        let mut too_many = error(
            429,
            "RATE_LIMITED",
            "Too Many Requests",
            "(This is just an example, the exception may not be related to this endpoint) Resource is limited to 10 requests every 1 minutes.",
        );
        if let Some(object) = too_many.as_object_mut() {
            object.insert(
                "headers".into(),
                json!({
                    "Retry-After": {
                        "description": "Seconds to wait before the request is retried.",
                        "schema": { "type": "integer", "format": "int32", "minimum": 0 }
                    },
                    "RateLimit-Limit": { "$ref": "#/components/headers/RateLimitLimit" }
                }),
            );
        }
        responses.insert("tooManyRequests".into(), too_many);
        responses.insert(
            "internalServerError".into(),
            error(
                500,
                "UNEXPECTED_ERROR",
                "Internal Server Error",
                "(This is just an example, the exception may not be related to this endpoint)",
            ),
        );
        responses.insert(
            "gatewayTimeout".into(),
            error(
                504,
                "TIMEOUT",
                "Gateway Timeout",
                "(This is just an example, the exception may not be related to this endpoint)",
            ),
        );
        Value::Object(responses)
    }

    // -- resources ---------------------------------------------------------

    fn plan_resources(&mut self) -> Vec<Resource> {
        let mut order: Vec<usize> = (0..NOUNS.len()).collect();
        self.rng.shuffle(&mut order);
        let mut resources = Vec::with_capacity(self.config.resources);
        for i in 0..self.config.resources {
            let noun_index = order.get(i % NOUNS.len()).copied().unwrap_or(0);
            let Some(&(noun, segment, id_param)) = NOUNS.get(noun_index) else {
                continue;
            };
            let round = i / NOUNS.len();
            let Some(scope) = SCOPES.get(round % SCOPES.len()) else {
                continue;
            };
            let version = 2 + round / SCOPES.len();
            let suffix = if version == 2 { String::new() } else { format!("V{version}") };
            let name = format!("{}{noun}{suffix}", scope.prefix);
            let plural_name = format!("{}{}{suffix}", scope.prefix, plural(noun));
            let list_path = format!("/api/atlas/v{version}/{}/{segment}", scope.path);
            let item_path = format!("{list_path}/{{{id_param}}}");
            let title_noun = title(noun);
            let tag = format!("{}{}", scope.tag, plural(&title_noun));
            if !self.tags.iter().any(|t| t["name"] == tag.as_str()) {
                self.tags.push(json!({
                    "name": tag,
                    "description": format!(
                        "Returns, adds, edits, and removes {}.",
                        plural(&words(noun))
                    )
                }));
            }
            let action = if self.rng.chance(40) { Some((self.rng.pick(VERBS), self.rng.chance(30))) } else { None };
            let mut families = vec![self.rng.pick(FAMILIES)];
            if self.rng.chance(35) {
                let second = self.rng.pick(FAMILIES);
                if !families.contains(&second) {
                    families.push(second);
                }
            }
            resources.push(Resource {
                plural: plural_name,
                words: words(noun),
                plural_title: plural(&title_noun),
                title: title_noun,
                scope_label: scope.label,
                tag,
                shared_params: template_names(&list_path),
                list_path,
                item_path,
                id_param,
                version,
                path_level_params: self.rng.chance(25),
                has_put: self.rng.chance(30),
                action,
                update_uses_leaf: self.rng.chance(35),
                has_detail: self.rng.chance(35),
                families,
                name,
            });
        }
        resources
    }

    fn resource_schemas(&mut self, res: &Resource) {
        let n = &res.name;
        let w = &res.words;

        // Base: the root of the allOf chain. Names used by the fixed
        // properties of every part are reserved up front.
        self.reserved = [
            "id",
            "name",
            "links",
            "createdAt",
            "settings",
            "apiSecret",
            "stateName",
            "history",
            "providerSettings",
            "regionConfigs",
            "notifications",
            "rootRule",
            "rules",
            "target",
            "match",
        ]
        .iter()
        .map(|r| (*r).to_string())
        .collect();
        let mut base = Map::new();
        base.insert(
            "id".into(),
            json!({
                "type": "string",
                "description": format!("Unique 24-hexadecimal digit string that identifies the {w}."),
                "pattern": HEX24,
                "readOnly": true,
                "example": HEX24_EXAMPLE
            }),
        );
        base.insert(
            "name".into(),
            json!({
                "type": "string",
                "description": format!("Human-readable label that identifies the {w}."),
                "minLength": 1,
                "maxLength": 64,
                "pattern": NAME_PATTERN
            }),
        );
        base.insert("links".into(), schema_ref("PaginatedLinks"));
        base.insert(
            "createdAt".into(),
            json!({
                "type": "string",
                "format": "date-time",
                "description": format!("Date and time when MongoDB Cloud created the {w}. This parameter expresses its value in the ISO 8601 timestamp format in UTC."),
                "readOnly": true
            }),
        );
        let count = self.rng.between(2, 5);
        self.random_properties(&mut base, w, count);
        self.reserved.extend(base.keys().cloned());
        self.schemas.insert(
            format!("{n}Base"),
            json!({
                "type": "object",
                "description": format!("Properties shared by every view of the {w}."),
                "required": ["id", "name"],
                "properties": base
            }),
        );

        // Settings: nested object with the additionalProperties variants.
        let mut settings = Map::new();
        let count = self.rng.between(4, 8);
        self.random_properties(&mut settings, w, count);
        match self.rng.below(3) {
            0 => {
                settings.insert("criteria".into(), schema_ref("CriteriaNode"));
            }
            1 => {
                settings.insert("filter".into(), schema_ref("FilterGroup"));
            }
            _ => {}
        }
        let mut settings_schema = Map::new();
        settings_schema.insert("type".into(), json!("object"));
        settings_schema.insert("description".into(), json!(format!("Settings that configure the {w}.")));
        let required: Vec<Value> = settings
            .iter()
            .filter(|(_, v)| plain_required_candidate(v))
            .take(self.rng.below(3))
            .map(|(k, _)| json!(k))
            .collect();
        if !required.is_empty() {
            settings_schema.insert("required".into(), Value::Array(required));
        }
        settings_schema.insert("properties".into(), Value::Object(settings));
        match self.rng.below(4) {
            0 => {
                settings_schema.insert("additionalProperties".into(), json!(false));
            }
            1 => {
                settings_schema.insert("additionalProperties".into(), json!(true));
            }
            2 => {
                settings_schema.insert("additionalProperties".into(), json!({ "type": "string", "maxLength": 128 }));
            }
            _ => {}
        }
        if self.rng.chance(20) {
            settings_schema.insert("nullable".into(), json!(true));
        }
        self.schemas.insert(format!("{n}Settings"), Value::Object(settings_schema));

        // Mid: allOf [Base, own part].
        let mut mid = Map::new();
        mid.insert("settings".into(), schema_ref(&format!("{n}Settings")));
        let count = self.rng.between(3, 6);
        self.random_properties(&mut mid, w, count);
        self.reserved.extend(mid.keys().cloned());
        let mut mid_required = vec![json!("settings")];
        if self.rng.chance(30) {
            mid.insert(
                "apiSecret".into(),
                json!({
                    "type": "string",
                    "description": format!("Secret used to sign calls about the {w}. Never returned."),
                    "minLength": 8,
                    "maxLength": 128,
                    "writeOnly": true
                }),
            );
            mid_required.push(json!("apiSecret"));
        }
        self.schemas.insert(
            format!("{n}Mid"),
            json!({
                "description": format!("Configurable properties of the {w}."),
                "allOf": [
                    schema_ref(&format!("{n}Base")),
                    { "type": "object", "required": mid_required, "properties": mid }
                ]
            }),
        );

        // Families: extra component schemas and the properties using them.
        let mut family_props = Map::new();
        for family in res.families.clone() {
            self.family(res, family, &mut family_props);
        }

        // Leaf: allOf [Mid, own part].
        let mut leaf = Map::new();
        leaf.insert(
            "stateName".into(),
            json!({
                "type": "string",
                "description": format!("Human-readable label that indicates the current operating condition of this {w}."),
                "enum": ["IDLE", "CREATING", "UPDATING", "DELETING", "REPAIRING"],
                "readOnly": true
            }),
        );
        for (key, value) in &family_props {
            leaf.insert(key.clone(), value.clone());
        }
        let count = self.rng.between(1, 4);
        self.random_properties(&mut leaf, w, count);
        self.reserved.extend(leaf.keys().cloned());
        self.schemas.insert(
            n.clone(),
            json!({
                "description": format!("Details that describe one {w}."),
                "allOf": [
                    schema_ref(&format!("{n}Mid")),
                    { "type": "object", "required": ["stateName"], "properties": leaf }
                ]
            }),
        );

        // Detail: a fourth level for some resources.
        if res.has_detail {
            let mut detail = Map::new();
            detail.insert(
                "history".into(),
                json!({
                    "type": "array",
                    "description": format!("Past states of the {w}, newest first."),
                    "readOnly": true,
                    "maxItems": 50,
                    "items": {
                        "type": "object",
                        "required": ["at", "stateName"],
                        "properties": {
                            "at": { "type": "string", "format": "date-time" },
                            "stateName": {
                                "$ref": format!("{SCHEMAS_REF}{n}/allOf/1/properties/stateName")
                            }
                        }
                    }
                }),
            );
            let count = self.rng.between(2, 4);
            self.random_properties(&mut detail, w, count);
            self.schemas.insert(
                format!("{n}Detail"),
                json!({
                    "description": format!("Full details of one {w}, with its history."),
                    "allOf": [
                        schema_ref(n),
                        { "type": "object", "properties": detail }
                    ]
                }),
            );
        }

        self.reserved.clear();

        // Create: the POST body, used by the create operation only.
        let mut create = Map::new();
        create.insert("name".into(), json!({ "$ref": format!("{SCHEMAS_REF}{n}Base/properties/name") }));
        create.insert("settings".into(), schema_ref(&format!("{n}Settings")));
        let mut create_required = vec![json!("name")];
        if let Some((key, value)) = family_props.iter().next() {
            create.insert(key.clone(), value.clone());
        }
        if self.rng.chance(25) {
            create.insert(
                "id".into(),
                json!({
                    "type": "string",
                    "description": "Assigned by MongoDB Cloud; ignored when sent.",
                    "pattern": HEX24,
                    "readOnly": true
                }),
            );
        }
        let count = self.rng.between(2, 5);
        self.random_properties(&mut create, w, count);
        if self.rng.chance(40) {
            create.insert(
                "password".into(),
                json!({
                    "type": "string",
                    "format": "password",
                    "description": format!("Initial password of the {w}. Never returned."),
                    "minLength": 8,
                    "maxLength": 256,
                    "writeOnly": true
                }),
            );
            create_required.push(json!("password"));
        }
        let mut create_schema = Map::new();
        create_schema.insert("type".into(), json!("object"));
        create_schema.insert("description".into(), json!(format!("Request body that creates one {w}.")));
        create_schema.insert("required".into(), Value::Array(create_required));
        create_schema.insert("properties".into(), Value::Object(create));
        if self.rng.chance(40) {
            create_schema.insert("additionalProperties".into(), json!(false));
        }
        self.schemas.insert(format!("{n}Create"), Value::Object(create_schema));

        // Update: the PATCH body, with refs into other schemas' properties.
        let mut update = Map::new();
        if self.rng.chance(50) {
            update.insert("name".into(), json!({ "$ref": format!("{SCHEMAS_REF}{n}Base/properties/name") }));
        } else {
            update.insert(
                "name".into(),
                json!({ "type": "string", "minLength": 1, "maxLength": 64, "pattern": NAME_PATTERN }),
            );
        }
        update.insert("settings".into(), json!({ "$ref": format!("{SCHEMAS_REF}{n}Mid/allOf/1/properties/settings") }));
        let count = self.rng.between(1, 3);
        self.random_properties(&mut update, w, count);
        let mut update_schema = Map::new();
        update_schema.insert("type".into(), json!("object"));
        update_schema.insert(
            "description".into(),
            json!(format!("Request body that updates one {w}. Omitted properties keep their value.")),
        );
        if self.rng.chance(50) {
            update_schema.insert("minProperties".into(), json!(1));
        }
        update_schema.insert("properties".into(), Value::Object(update));
        self.schemas.insert(format!("{n}Update"), Value::Object(update_schema));

        // Paginated: the list response, used by the list operation only.
        self.schemas.insert(
            format!("Paginated{n}"),
            json!({
                "type": "object",
                "description": format!("List of {} returned one page at a time.", plural(w)),
                "properties": {
                    "links": schema_ref("PaginatedLinks"),
                    "results": {
                        "type": "array",
                        "description": "List of returned documents that MongoDB Cloud provides when completing this request.",
                        "readOnly": true,
                        "items": schema_ref(n)
                    },
                    "totalCount": {
                        "type": "integer",
                        "format": "int32",
                        "description": "Total number of documents available. MongoDB Cloud omits this value if includeCount is set to false.",
                        "minimum": 0,
                        "readOnly": true
                    }
                }
            }),
        );
    }

    /// Adds the schemas of one family and the property (into `props`) that
    /// uses them from the leaf and create schemas.
    fn family(&mut self, res: &Resource, family: Family, props: &mut Map<String, Value>) {
        let n = &res.name;
        let w = &res.words;
        match family {
            Family::Discriminated => {
                let mut variants = PROVIDERS.to_vec();
                self.rng.shuffle(&mut variants);
                variants.truncate(2 + self.rng.below(3));
                let mut one_of = Vec::new();
                let mut mapping = Map::new();
                for (key, short) in &variants {
                    let child = format!("{n}{short}ProviderSettings");
                    let mut own = Map::new();
                    own.insert("providerName".into(), json!({ "type": "string", "enum": [key] }));
                    let count = self.rng.between(2, 3);
                    self.random_properties(&mut own, &format!("{} {w}", words(short)), count);
                    self.schemas.insert(
                        child.clone(),
                        json!({
                            "description": format!("{key} settings of the {w}."),
                            "allOf": [
                                schema_ref("ProviderSettingsBase"),
                                { "type": "object", "required": ["providerName"], "properties": own }
                            ]
                        }),
                    );
                    let reference = format!("{SCHEMAS_REF}{child}");
                    one_of.push(json!({ "$ref": reference }));
                    mapping.insert((*key).to_string(), json!(reference));
                }
                self.schemas.insert(
                    format!("{n}ProviderSettings"),
                    json!({
                        "description": format!("Cloud provider settings of the {w}."),
                        "oneOf": one_of,
                        "discriminator": { "propertyName": "providerName", "mapping": mapping }
                    }),
                );
                if self.rng.chance(50) {
                    props.insert("providerSettings".into(), schema_ref(&format!("{n}ProviderSettings")));
                } else {
                    props.insert(
                        "regionConfigs".into(),
                        json!({
                            "type": "array",
                            "description": "Hardware specifications for nodes deployed in each region.",
                            "minItems": 1,
                            "maxItems": 8,
                            "items": schema_ref(&format!("{n}ProviderSettings"))
                        }),
                    );
                }
            }
            Family::Inheritance => {
                let base = format!("{n}Notification");
                let mut channels = CHANNELS.to_vec();
                self.rng.shuffle(&mut channels);
                channels.truncate(2 + self.rng.below(3));
                let mut mapping = Map::new();
                for (key, short, prop) in &channels {
                    let child = format!("{n}{short}Notification");
                    let prop_schema = match *key {
                        "EMAIL" => json!({ "type": "string", "format": "email" }),
                        "SLACK" => json!({ "type": "string", "pattern": "^#?[a-z0-9_-]+$" }),
                        "WEBHOOK" => json!({ "type": "string", "format": "uri" }),
                        _ => json!({ "type": "string", "pattern": "^\\+[1-9][0-9]{6,14}$" }),
                    };
                    self.schemas.insert(
                        child.clone(),
                        json!({
                            "description": format!("{} notification about the {w}.", title(short)),
                            "allOf": [
                                schema_ref(&base),
                                {
                                    "type": "object",
                                    "required": ["typeName"],
                                    "properties": {
                                        "typeName": { "type": "string", "enum": [key] },
                                        (*prop): prop_schema
                                    }
                                }
                            ]
                        }),
                    );
                    mapping.insert((*key).to_string(), json!(format!("{SCHEMAS_REF}{child}")));
                }
                self.schemas.insert(
                    base.clone(),
                    json!({
                        "type": "object",
                        "description": format!("One way MongoDB Cloud notifies about the {w}."),
                        "required": ["typeName"],
                        "discriminator": { "propertyName": "typeName", "mapping": mapping },
                        "properties": {
                            "typeName": {
                                "type": "string",
                                "description": "Human-readable label that identifies the service to which you want MongoDB Cloud to send notifications."
                            },
                            "delayMin": {
                                "type": "integer",
                                "format": "int32",
                                "minimum": 0,
                                "description": "Number of minutes to wait after an alert condition is detected before sending out the first notification."
                            },
                            "intervalMin": {
                                "type": "integer",
                                "format": "int32",
                                "minimum": 5,
                                "description": "Number of minutes to wait between successive notifications."
                            }
                        }
                    }),
                );
                props.insert(
                    "notifications".into(),
                    json!({
                        "type": "array",
                        "description": "List that contains the targets that MongoDB Cloud sends notifications.",
                        "items": schema_ref(&base)
                    }),
                );
            }
            Family::Tree => {
                let node = format!("{n}Rule");
                self.schemas.insert(
                    node.clone(),
                    json!({
                        "type": "object",
                        "description": format!("One node of the rule tree of the {w}; children nest without limit."),
                        "required": ["operator"],
                        "properties": {
                            "operator": { "type": "string", "enum": ["AND", "OR", "EQ", "NE", "IN"] },
                            "field": { "type": "string", "pattern": "^[a-zA-Z_][a-zA-Z0-9_.]*$" },
                            "value": { "type": "string", "maxLength": 512, "nullable": true },
                            "children": {
                                "type": "array",
                                "maxItems": 10,
                                "items": schema_ref(&node)
                            }
                        }
                    }),
                );
                if self.rng.chance(50) {
                    props.insert("rootRule".into(), schema_ref(&node));
                } else {
                    props.insert("rules".into(), json!({ "type": "array", "items": schema_ref(&node) }));
                }
            }
            Family::OneOfTarget => {
                let target = format!("{n}Target");
                self.schemas.insert(
                    target.clone(),
                    json!({
                        "description": format!("What the {w} applies to: one id, several ids, or a count of the most recent items."),
                        "oneOf": [
                            { "type": "string", "pattern": HEX24 },
                            {
                                "type": "array",
                                "minItems": 1,
                                "uniqueItems": true,
                                "items": { "type": "string", "pattern": HEX24 }
                            },
                            { "type": "integer", "format": "int32", "minimum": 1, "maximum": 1000 }
                        ]
                    }),
                );
                props.insert("target".into(), schema_ref(&target));
            }
            Family::AnyOfMatch => {
                let matcher = format!("{n}Match");
                self.schemas.insert(
                    matcher.clone(),
                    json!({
                        "description": format!("Selects the documents the {w} acts on."),
                        "anyOf": [
                            {
                                "type": "object",
                                "required": ["field"],
                                "properties": {
                                    "field": { "type": "string", "minLength": 1 },
                                    "equals": { "type": "string" }
                                }
                            },
                            {
                                "type": "object",
                                "required": ["expression"],
                                "properties": { "expression": schema_ref("CriteriaNode") }
                            }
                        ]
                    }),
                );
                props.insert("match".into(), schema_ref(&matcher));
            }
        }
    }

    /// Adds `count` random properties to `props`, each with a unique name.
    fn random_properties(&mut self, props: &mut Map<String, Value>, subject: &str, count: i64) {
        for _ in 0..count {
            self.random_property(props, subject);
        }
    }

    fn random_property(&mut self, props: &mut Map<String, Value>, subject: &str) {
        let rng = &mut self.rng;
        // (candidate names, schema, may carry readOnly/writeOnly/nullable/example)
        let (names, schema, scalar): (&[&str], Value, bool) = match rng.below(29) {
            0 => (
                &["createdDate", "lastUpdatedDate", "expirationDate", "startedAt", "finishedAt", "lastActiveDate"],
                json!({ "type": "string", "format": "date-time" }),
                true,
            ),
            1 => (
                &["billingDate", "startDate", "endDate", "snapshotDate"],
                json!({ "type": "string", "format": "date" }),
                true,
            ),
            2 => (
                &["emailAddress", "notificationEmail", "contactEmail", "ownerEmail"],
                json!({ "type": "string", "format": "email" }),
                true,
            ),
            3 => (
                &["requestId", "correlationId", "externalId", "clientToken"],
                json!({ "type": "string", "format": "uuid" }),
                true,
            ),
            4 => (
                &["webhookUrl", "callbackUri", "documentationUrl", "endpointUri"],
                json!({ "type": "string", "format": "uri" }),
                true,
            ),
            5 => (&["ipAddress", "sourceIp", "privateIpAddress"], json!({ "type": "string", "format": "ipv4" }), true),
            6 => (&["ipv6Address", "privateIpv6Address"], json!({ "type": "string", "format": "ipv6" }), true),
            7 => (
                &["certificatePem", "encodedPayload", "publicKey"],
                json!({ "type": "string", "format": "byte" }),
                true,
            ),
            8 | 9 => {
                let usable: Vec<&(&str, &str, &[&str])> =
                    PATTERNS.iter().filter(|(_, _, names)| !names.is_empty()).collect();
                let index = rng.below(usable.len());
                match usable.get(index) {
                    Some((pattern, _, names)) => {
                        let mut schema = Map::new();
                        schema.insert("type".into(), json!("string"));
                        if rng.chance(40) {
                            schema.insert("minLength".into(), json!(1));
                            schema.insert("maxLength".into(), json!(rng.pick(&[64, 128, 255])));
                        }
                        schema.insert("pattern".into(), json!(pattern));
                        (*names, Value::Object(schema), true)
                    }
                    None => (&["label"], json!({ "type": "string" }), true),
                }
            }
            10 | 11 => {
                let (names, values) = rng.pick(ENUMS);
                let mut schema = json!({ "type": "string", "enum": values });
                if rng.chance(30) {
                    schema["default"] = json!(values.first().copied().unwrap_or_default());
                }
                (names, schema, false)
            }
            12 => (
                &["comment", "description", "notes", "displayLabel", "summaryText"],
                json!({
                    "type": "string",
                    "minLength": rng.between(0, 1),
                    "maxLength": rng.pick(&[80, 256, 1024])
                }),
                true,
            ),
            13 | 14 => {
                let minimum = rng.pick(&[0, 1, 5, 10]);
                let maximum = minimum + rng.pick(&[10, 100, 1000, 65535]);
                let mut schema = Map::new();
                schema.insert("type".into(), json!("integer"));
                schema.insert("format".into(), json!("int32"));
                schema.insert("minimum".into(), json!(minimum));
                if rng.chance(30) {
                    schema.insert("exclusiveMinimum".into(), json!(true));
                }
                schema.insert("maximum".into(), json!(maximum));
                if rng.chance(30) {
                    schema.insert("exclusiveMaximum".into(), json!(true));
                }
                if rng.chance(15) {
                    schema.insert("multipleOf".into(), json!(5));
                }
                (
                    &[
                        "diskSizeGB",
                        "numShards",
                        "maxConnections",
                        "retentionDays",
                        "replicaCount",
                        "port",
                        "timeoutSeconds",
                    ],
                    Value::Object(schema),
                    true,
                )
            }
            15 => (
                &["byteCount", "documentCount", "totalBytes", "oplogSizeBytes"],
                json!({ "type": "integer", "format": "int64", "minimum": 0 }),
                true,
            ),
            16 => (
                &["cpuUtilization", "ratio", "scaleFactor"],
                json!({
                    "type": "number",
                    "format": "float",
                    "minimum": 0,
                    "maximum": rng.pick(&[1, 100]),
                    "exclusiveMaximum": true
                }),
                true,
            ),
            17 => {
                let mut schema = Map::new();
                schema.insert("type".into(), json!("number"));
                schema.insert("format".into(), json!("double"));
                schema.insert("minimum".into(), json!(0));
                if rng.chance(40) {
                    schema.insert("exclusiveMinimum".into(), json!(true));
                }
                (&["costUsd", "latencyMs", "throughput"], Value::Object(schema), true)
            }
            18 => {
                let mut schema = json!({ "type": "boolean" });
                if rng.chance(40) {
                    schema["default"] = json!(false);
                }
                (
                    &[
                        "enabled",
                        "paused",
                        "terminationProtectionEnabled",
                        "backupEnabled",
                        "encryptionEnabled",
                        "isDefault",
                    ],
                    schema,
                    true,
                )
            }
            19 => (
                &["roles", "actions", "scopes", "features"],
                json!({
                    "type": "array",
                    "items": { "type": "string", "enum": ROLES },
                    "minItems": rng.between(0, 1),
                    "maxItems": ROLES.len(),
                    "uniqueItems": true
                }),
                false,
            ),
            20 => {
                let (pattern, _, _) = PATTERNS.get(rng.below(PATTERNS.len())).copied().unwrap_or(("^\\S+$", "", &[]));
                (
                    &["hostnames", "labels", "collections", "aliases"],
                    json!({
                        "type": "array",
                        "items": { "type": "string", "pattern": pattern },
                        "minItems": rng.between(0, 2),
                        "maxItems": 100
                    }),
                    false,
                )
            }
            21 => (
                &["ports", "weekdays", "allowedPorts"],
                json!({
                    "type": "array",
                    "items": { "type": "integer", "format": "int32", "minimum": 0, "maximum": 65535 },
                    "uniqueItems": true,
                    "maxItems": 16
                }),
                false,
            ),
            22 => (
                &["autoScaling", "compute", "limits", "diskGB"],
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["enabled"],
                    "properties": {
                        "enabled": { "type": "boolean" },
                        "maxInstanceSize": { "type": "string", "pattern": "^(M[0-9]{1,3}|R[0-9]{2,3}|FLEX)$" },
                        "scaleDownEnabled": { "type": "boolean", "default": false }
                    }
                }),
                false,
            ),
            23 => (
                &["attributes", "extra", "metadataBag"],
                json!({ "type": "object", "additionalProperties": true }),
                false,
            ),
            24 => {
                let values = if rng.chance(50) {
                    json!({ "type": "integer", "format": "int32", "minimum": 0 })
                } else {
                    json!({ "type": "string", "maxLength": 255 })
                };
                (
                    &["labelsMap", "tagsByKey", "quotas"],
                    json!({ "type": "object", "additionalProperties": values }),
                    false,
                )
            }
            25 => (
                &["tags", "resourceTags"],
                json!({ "type": "array", "items": schema_ref("TagEntry"), "maxItems": 50 }),
                false,
            ),
            26 => (&["maintenanceWindow", "retentionWindow", "quietHours"], schema_ref("TimeWindow"), false),
            27 => (
                &["databaseUser", "collectionName", "namespaceName"],
                json!({
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64,
                    "not": { "enum": ["admin", "local", "config"] }
                }),
                false,
            ),
            _ => match rng.below(3) {
                0 => (
                    &["expiresAfter", "threshold", "retainUntil"],
                    json!({
                        "oneOf": [
                            { "type": "string", "format": "date-time" },
                            { "type": "integer", "format": "int32", "minimum": 1 }
                        ]
                    }),
                    false,
                ),
                1 => (
                    &["scheduleHint", "window"],
                    json!({
                        "anyOf": [
                            { "type": "string", "maxLength": 32 },
                            { "type": "integer", "format": "int32", "minimum": 0 }
                        ]
                    }),
                    false,
                ),
                _ => (
                    &["lastErrorCode", "failureCode"],
                    json!({ "$ref": "#/components/schemas/ApiError/properties/errorCode" }),
                    false,
                ),
            },
        };

        // A unique name.
        let reserved = &self.reserved;
        let taken = |name: &str| props.contains_key(name) || reserved.iter().any(|r| r == name);
        let mut name = names
            .iter()
            .find(|candidate| !taken(candidate))
            .map(|candidate| (*candidate).to_string())
            .unwrap_or_default();
        if name.is_empty() {
            let stem = names.first().copied().unwrap_or("field");
            let mut i = 2;
            loop {
                let candidate = format!("{stem}{i}");
                if !taken(&candidate) {
                    name = candidate;
                    break;
                }
                i += 1;
            }
        }

        let is_ref = schema.get("$ref").is_some();
        let mut out = Map::new();
        if !is_ref {
            out.insert("description".into(), json!(format!("{} of the {subject}.", sentence(&name))));
        }
        if let Value::Object(map) = schema {
            out.extend(map);
        }
        if !is_ref {
            let roll = rng.below(100);
            if roll < 9 {
                out.insert("readOnly".into(), json!(true));
            } else if roll < 15 {
                out.insert("writeOnly".into(), json!(true));
            }
            if scalar && rng.chance(15) {
                out.insert("nullable".into(), json!(true));
            }
        }
        let add_example = scalar && !is_ref && self.rng.chance(30);
        let mut value = Value::Object(out);
        let example = if add_example { self.example(&value, Mode::Response, 0) } else { None };
        if let Some(example) = example {
            value["example"] = example;
        }
        props.insert(name, value);
    }

    // -- examples ----------------------------------------------------------

    /// Resolves a local `$ref` into `components.schemas`.
    fn resolve(&self, reference: &str) -> Option<&Value> {
        let rest = reference.strip_prefix(SCHEMAS_REF)?;
        let (name, inner) = match rest.find('/') {
            Some(slash) => (&rest[..slash], &rest[slash..]),
            None => (rest, ""),
        };
        self.schemas.get(name)?.pointer(inner)
    }

    /// Whether `schema`, or the schema its `$ref` names, sets `key` to `true`.
    fn flag(&self, schema: &Value, key: &str) -> bool {
        let target = match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => self.resolve(reference),
            None => Some(schema),
        };
        target.and_then(|t| t.get(key)).and_then(Value::as_bool) == Some(true)
    }

    /// An example instance of `schema` (the subset of OpenAPI this module
    /// emits), or `None` when none can be built within the depth limit.
    fn example(&self, schema: &Value, mode: Mode, depth: usize) -> Option<Value> {
        self.example_within(schema, mode, depth, 0)
    }

    /// `depth` counts nested instances (properties, items), `hops` every step
    /// (`$ref`, `allOf`, ...), which bounds recursive schemas.
    fn example_within(&self, schema: &Value, mode: Mode, depth: usize, hops: usize) -> Option<Value> {
        if depth > 7 || hops > 48 {
            return None;
        }
        let object = schema.as_object()?;
        if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
            return self.example_within(self.resolve(reference)?, mode, depth, hops + 1);
        }
        if let Some(example) = object.get("example") {
            return Some(example.clone());
        }
        if let Some(parts) = object.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            for part in parts {
                match self.example_within(part, mode, depth, hops + 1)? {
                    Value::Object(map) => merged.extend(map),
                    _ => return None,
                }
            }
            return Some(Value::Object(merged));
        }
        if let Some(branches) = object.get("oneOf").or_else(|| object.get("anyOf")).and_then(Value::as_array) {
            return self.example_within(branches.first()?, mode, depth, hops + 1);
        }
        if let Some(values) = object.get("enum").and_then(Value::as_array) {
            return values.first().cloned();
        }
        let number = |key: &str| object.get(key).and_then(Value::as_f64);
        let flag = |key: &str| object.get(key).and_then(Value::as_bool).unwrap_or(false);
        match object.get("type").and_then(Value::as_str) {
            Some("string") => {
                if let Some(pattern) = object.get("pattern").and_then(Value::as_str) {
                    return pattern_example(pattern).map(|e| json!(e));
                }
                let text = match object.get("format").and_then(Value::as_str) {
                    Some("date-time") => "2024-05-01T12:00:00Z",
                    Some("date") => "2024-05-01",
                    Some("email") => "ops@example.com",
                    Some("uuid") => "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                    Some("uri") => "https://cloud.mongodb.com/api/atlas/v2",
                    Some("ipv4") => "192.0.2.10",
                    Some("ipv6") => "2001:db8::10",
                    Some("byte") => "aGVsbG8gYXRsYXM=",
                    Some("password") => "correct-horse-battery",
                    _ => "example",
                };
                let min = number("minLength").unwrap_or(0.0) as usize;
                let max = number("maxLength").map(|m| m as usize);
                let mut text = text.to_string();
                while text.len() < min {
                    text.push('x');
                }
                if let Some(max) = max {
                    text.truncate(max);
                }
                Some(json!(text))
            }
            Some("integer") => {
                let step = number("multipleOf").unwrap_or(1.0).max(1.0) as i64;
                let low = number("minimum").map(|m| {
                    let m = m as i64;
                    if flag("exclusiveMinimum") { m + 1 } else { m }
                });
                let high = number("maximum").map(|m| {
                    let m = m as i64;
                    if flag("exclusiveMaximum") { m - 1 } else { m }
                });
                let mut value = low.unwrap_or_else(|| high.map_or(1, |h| h.min(1)));
                if value % step != 0 {
                    value += step - value.rem_euclid(step);
                }
                Some(json!(value))
            }
            Some("number") => {
                let low = number("minimum").unwrap_or(0.0);
                let value = match number("maximum") {
                    Some(high) => (low + high) / 2.0,
                    None => low + 0.5,
                };
                Some(json!(value))
            }
            Some("boolean") => Some(json!(true)),
            Some("array") => {
                let min = number("minItems").unwrap_or(0.0) as usize;
                let max = number("maxItems").map_or(usize::MAX, |m| m as usize);
                let wanted = min.max(1).min(max);
                match object.get("items").and_then(|items| self.example_within(items, mode, depth + 1, hops + 1)) {
                    Some(item) if !flag("uniqueItems") || wanted <= 1 => Some(Value::Array(vec![item; wanted])),
                    _ if min == 0 => Some(json!([])),
                    _ => None,
                }
            }
            Some("object") | None => {
                let required: Vec<&str> = object
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let mut out = Map::new();
                if let Some(properties) = object.get("properties").and_then(Value::as_object) {
                    for (key, property) in properties {
                        let skipped = match mode {
                            Mode::Request => self.flag(property, "readOnly"),
                            Mode::Response => self.flag(property, "writeOnly"),
                        };
                        if skipped {
                            continue;
                        }
                        let is_required = required.contains(&key.as_str());
                        if !is_required && depth > 3 {
                            continue;
                        }
                        match self.example_within(property, mode, depth + 1, hops + 1) {
                            Some(value) => {
                                out.insert(key.clone(), value);
                            }
                            None if is_required => return None,
                            None => {}
                        }
                    }
                }
                if let Some(discriminator) = object.get("discriminator") {
                    let property = discriminator.get("propertyName").and_then(Value::as_str);
                    let first = discriminator.get("mapping").and_then(Value::as_object).and_then(|m| m.keys().next());
                    if let (Some(property), Some(first)) = (property, first) {
                        out.insert(property.to_string(), json!(first));
                    }
                }
                let min = number("minProperties").unwrap_or(0.0) as usize;
                (out.len() >= min).then_some(Value::Object(out))
            }
            _ => None,
        }
    }

    // -- paths -------------------------------------------------------------

    fn id_parameter(&mut self, res: &Resource) -> Value {
        let id = res.id_param;
        let schema = if id.ends_with("Id") {
            json!({ "type": "string", "pattern": HEX24, "minLength": 24, "maxLength": 24 })
        } else if id.ends_with("Type") {
            json!({
                "type": "string",
                "enum": ["PAGER_DUTY", "SLACK", "DATADOG", "OPS_GENIE", "VICTOR_OPS", "WEBHOOK", "MICROSOFT_TEAMS", "PROMETHEUS"]
            })
        } else if self.rng.chance(70) {
            json!({ "type": "string", "minLength": 1, "maxLength": 64, "pattern": ITEM_NAME_PATTERN })
        } else {
            json!({ "type": "string", "minLength": 1, "maxLength": 64 })
        };
        json!({
            "name": id,
            "in": "path",
            "description": format!("Unique identifier of the {} ({}).", res.words, words(id)),
            "required": true,
            "schema": schema
        })
    }

    /// The path parameters shared by both paths of a resource, mostly as
    /// `$ref`s, sometimes inlined copies.
    fn shared_path_parameters(&mut self, res: &Resource) -> Vec<Value> {
        let mut out = Vec::new();
        for name in &res.shared_params {
            let inline = if self.rng.chance(10) { self.parameters.get(name).cloned() } else { None };
            out.push(inline.unwrap_or_else(|| parameter_ref(name)));
        }
        out
    }

    fn error_responses(&mut self, responses: &mut Map<String, Value>, codes: &[&str]) {
        if self.rng.chance(12) {
            responses.insert("4XX".into(), response_ref("badRequest"));
            responses.insert("default".into(), response_ref("internalServerError"));
            return;
        }
        for code in codes {
            let name = match *code {
                "400" => "badRequest",
                "401" => "unauthorized",
                "403" => "forbidden",
                "404" => "notFound",
                "409" => "conflict",
                "429" => "tooManyRequests",
                "504" => "gatewayTimeout",
                _ => "internalServerError",
            };
            responses.insert((*code).to_string(), response_ref(name));
        }
        if self.rng.chance(8) {
            responses.insert("default".into(), response_ref("internalServerError"));
        }
    }

    /// One versioned media type object.
    fn media(&mut self, media_type: &str, schema: Value, mode: Mode, example_chance: usize) -> Value {
        let version = media_type.trim_start_matches("application/vnd.atlas.").trim_end_matches("+json").to_string();
        let mut media = Map::new();
        let example = if self.rng.chance(example_chance) { self.example(&schema, mode, 0) } else { None };
        if let Some(example) = example {
            if self.rng.chance(50) {
                media.insert("example".into(), example);
            } else {
                media.insert(
                    "examples".into(),
                    json!({ "typical": { "summary": "A typical document", "value": example } }),
                );
            }
        }
        let mut out = Map::new();
        out.insert("schema".into(), schema);
        out.extend(media);
        out.insert("x-xgen-version".into(), json!(version));
        Value::Object(out)
    }

    fn success(&mut self, description: &str, schema: Value, mode: Mode, example_chance: usize) -> Value {
        let mut content = Map::new();
        let media = self.media(MT_2023, schema.clone(), mode, example_chance);
        content.insert(MT_2023.into(), media);
        if self.rng.chance(25) {
            let media = self.media(MT_2024, schema, mode, example_chance);
            content.insert(MT_2024.into(), media);
        }
        let mut response = Map::new();
        response.insert("description".into(), json!(description));
        if self.rng.chance(20) {
            response.insert(
                "headers".into(),
                json!({
                    "RateLimit-Limit": { "$ref": format!("{HEADERS_REF}RateLimitLimit") },
                    "RateLimit-Remaining": { "$ref": format!("{HEADERS_REF}RateLimitRemaining") },
                    "X-Request-Duration": {
                        "description": "Milliseconds MongoDB Cloud spent on the request.",
                        "schema": { "type": "number", "format": "double", "minimum": 0 }
                    }
                }),
            );
        }
        response.insert("content".into(), Value::Object(content));
        Value::Object(response)
    }

    fn operation(
        &mut self,
        res: &Resource,
        operation_id: String,
        summary: String,
        parameters: Vec<Value>,
    ) -> Map<String, Value> {
        let mut op = Map::new();
        op.insert("tags".into(), json!([res.tag]));
        op.insert("summary".into(), json!(summary));
        op.insert(
            "description".into(),
            json!(format!(
                "{summary}. To use this resource, the requesting Service Account or API Key must have the Project Read Only role or higher. This resource is part of version {} of the Atlas Administration API.",
                res.version
            )),
        );
        op.insert("operationId".into(), json!(operation_id));
        if !parameters.is_empty() {
            op.insert("parameters".into(), Value::Array(parameters));
        }
        if self.rng.chance(4) {
            op.insert("deprecated".into(), json!(true));
        }
        if self.rng.chance(5) {
            op.insert("security".into(), json!([{ "DigestAuth": [] }]));
        }
        op.insert("x-xgen-owner-team".into(), json!("Atlas Control Plane"));
        op
    }

    fn optional_headers(&mut self, parameters: &mut Vec<Value>) {
        if self.rng.chance(20) {
            parameters.push(json!({
                "name": "X-Request-Id",
                "in": "header",
                "description": "Caller-chosen identifier echoed in logs.",
                "required": false,
                "schema": { "type": "string", "format": "uuid" }
            }));
        }
        if self.rng.chance(8) {
            parameters.push(json!({
                "name": "X-Atlas-Client-Version",
                "in": "header",
                "required": true,
                "schema": { "type": "string", "pattern": "^[0-9]+\\.[0-9]+\\.[0-9]+$" }
            }));
        }
        if self.rng.chance(6) {
            parameters.push(json!({
                "name": "atlasUiSession",
                "in": "cookie",
                "description": "Session cookie of the Atlas user interface.",
                "schema": { "type": "string", "minLength": 16, "maxLength": 256 }
            }));
        }
    }

    fn resource_paths(&mut self, res: &Resource) {
        let n = res.name.clone();
        let mut shared = self.shared_path_parameters(res);
        let id = self.id_parameter(res);

        // The collection path.
        let mut list_params = if res.path_level_params { Vec::new() } else { shared.clone() };
        for name in ["envelope", "includeCount", "itemsPerPage", "pageNum", "pretty"] {
            match self.parameters.get(name) {
                Some(inline) if self.rng.chance(8) => list_params.push(inline.clone()),
                _ => list_params.push(parameter_ref(name)),
            }
        }
        if self.rng.chance(25) {
            list_params.push(json!({
                "name": "fields",
                "in": "query",
                "description": "Properties to return; all when omitted.",
                "style": "form",
                "explode": false,
                "schema": {
                    "type": "array",
                    "items": { "type": "string", "enum": ["id", "name", "stateName", "createdAt"] },
                    "uniqueItems": true
                }
            }));
        }
        if self.rng.chance(5) {
            list_params.push(json!({
                "name": "filter",
                "in": "query",
                "style": "deepObject",
                "explode": true,
                "schema": {
                    "type": "object",
                    "properties": {
                        "stateName": { "type": "string" },
                        "createdAfter": { "type": "string", "format": "date-time" }
                    }
                }
            }));
        }
        self.optional_headers(&mut list_params);
        let mut list = self.operation(
            res,
            format!("list{}", res.plural),
            format!("Return All {} in {}", res.plural_title, res.scope_label),
            list_params,
        );
        let mut responses = Map::new();
        let ok = self.success("OK", schema_ref(&format!("Paginated{n}")), Mode::Response, 10);
        responses.insert("200".into(), ok);
        self.error_responses(&mut responses, &["401", "403", "429", "500"]);
        list.insert("responses".into(), Value::Object(responses));

        let mut create_params = if res.path_level_params { Vec::new() } else { shared.clone() };
        create_params.push(parameter_ref("envelope"));
        create_params.push(parameter_ref("pretty"));
        self.optional_headers(&mut create_params);
        let mut create = self.operation(
            res,
            format!("create{n}"),
            format!("Create One {} in {}", res.title, res.scope_label),
            create_params,
        );
        let body = self.media(MT_2023, schema_ref(&format!("{n}Create")), Mode::Request, 55);
        create.insert(
            "requestBody".into(),
            json!({
                "description": format!("The {} to create.", res.words),
                "required": true,
                "content": { MT_2023: body }
            }),
        );
        let mut responses = Map::new();
        let mut created = self.success("Created", schema_ref(&n), Mode::Response, 20);
        if self.rng.chance(40) {
            created["headers"] = json!({
                "Location": {
                    "description": "URL of the created resource.",
                    "required": true,
                    "schema": { "type": "string", "format": "uri" }
                }
            });
        }
        responses.insert("201".into(), created);
        self.error_responses(&mut responses, &["400", "401", "403", "409", "429", "500"]);
        create.insert("responses".into(), Value::Object(responses));

        let mut list_item = Map::new();
        if res.path_level_params {
            list_item.insert("parameters".into(), Value::Array(shared.clone()));
        }
        list_item.insert("get".into(), Value::Object(list));
        list_item.insert("post".into(), Value::Object(create));
        self.operations += 2;
        self.paths.insert(res.list_path.clone(), Value::Object(list_item));

        // The item path.
        shared.push(id);
        let own = |generator: &mut Self| -> Vec<Value> {
            let mut params = if res.path_level_params { Vec::new() } else { shared.clone() };
            params.push(parameter_ref("pretty"));
            generator.optional_headers(&mut params);
            params
        };
        let mut item = Map::new();
        if res.path_level_params {
            item.insert("parameters".into(), Value::Array(shared.clone()));
        }

        let params = own(self);
        let mut get = self.operation(
            res,
            format!("get{n}"),
            format!("Return One {} from {}", res.title, res.scope_label),
            params,
        );
        let read_schema = if res.has_detail { schema_ref(&format!("{n}Detail")) } else { schema_ref(&n) };
        let mut responses = Map::new();
        let ok = self.success("OK", read_schema, Mode::Response, 35);
        responses.insert("200".into(), ok);
        self.error_responses(&mut responses, &["401", "403", "404", "429", "500"]);
        get.insert("responses".into(), Value::Object(responses));
        item.insert("get".into(), Value::Object(get));

        if res.has_put {
            let params = own(self);
            let mut put = self.operation(
                res,
                format!("replace{n}"),
                format!("Replace One {} in {}", res.title, res.scope_label),
                params,
            );
            let body = self.media(MT_2023, schema_ref(&n), Mode::Request, 30);
            put.insert("requestBody".into(), json!({ "required": true, "content": { MT_2023: body } }));
            let mut responses = Map::new();
            let ok = self.success("OK", schema_ref(&n), Mode::Response, 0);
            responses.insert("200".into(), ok);
            self.error_responses(&mut responses, &["400", "401", "403", "404", "409", "500"]);
            put.insert("responses".into(), Value::Object(responses));
            item.insert("put".into(), Value::Object(put));
            self.operations += 1;
        }

        let params = own(self);
        let mut patch = self.operation(
            res,
            format!("update{n}"),
            format!("Update One {} in {}", res.title, res.scope_label),
            params,
        );
        let patch_schema = if res.update_uses_leaf { schema_ref(&n) } else { schema_ref(&format!("{n}Update")) };
        let body = self.media(MT_2023, patch_schema, Mode::Request, 30);
        patch.insert(
            "requestBody".into(),
            json!({
                "description": format!("The properties of the {} to change.", res.words),
                "required": true,
                "content": { MT_2023: body }
            }),
        );
        let mut responses = Map::new();
        let ok = self.success("OK", schema_ref(&n), Mode::Response, 0);
        responses.insert("200".into(), ok);
        self.error_responses(&mut responses, &["400", "401", "403", "404", "409", "429", "500"]);
        patch.insert("responses".into(), Value::Object(responses));
        item.insert("patch".into(), Value::Object(patch));

        let params = own(self);
        let mut delete = self.operation(
            res,
            format!("delete{n}"),
            format!("Remove One {} from {}", res.title, res.scope_label),
            params,
        );
        let mut responses = Map::new();
        match self.rng.below(3) {
            0 => {
                responses.insert(
                    "204".into(),
                    json!({
                        "description": "This endpoint does not return a response body.",
                        "content": { MT_2023: { "x-xgen-version": "2023-01-01" } }
                    }),
                );
            }
            1 => {
                responses.insert("204".into(), json!({ "description": "No Content" }));
            }
            _ => {
                responses.insert(
                    "202".into(),
                    json!({
                        "description": "Accepted",
                        "content": {
                            MT_2023_02: {
                                "schema": { "type": "object", "additionalProperties": false },
                                "example": {},
                                "x-xgen-version": "2023-02-01"
                            }
                        }
                    }),
                );
            }
        }
        self.error_responses(&mut responses, &["400", "401", "403", "404", "409", "500"]);
        delete.insert("responses".into(), Value::Object(responses));
        item.insert("delete".into(), Value::Object(delete));
        self.operations += 3;
        self.paths.insert(res.item_path.clone(), Value::Object(item));

        // An extra action.
        if let Some((verb, colon)) = res.action {
            let path = if colon { format!("{}:{verb}", res.item_path) } else { format!("{}/{verb}", res.item_path) };
            let params = if res.path_level_params { Vec::new() } else { own(self) };
            let mut action = self.operation(
                res,
                format!("{verb}{n}"),
                format!("{} One {} in {}", title(verb), res.title, res.scope_label),
                params,
            );
            if self.rng.chance(60) {
                let mut props = Map::new();
                props.insert(
                    "reason".into(),
                    json!({ "type": "string", "maxLength": 256, "description": "Why the action is taken." }),
                );
                let count = self.rng.between(1, 2);
                self.random_properties(&mut props, &res.words, count);
                let body = self.media(MT_2023, json!({ "type": "object", "properties": props }), Mode::Request, 40);
                action.insert("requestBody".into(), json!({ "required": false, "content": { MT_2023: body } }));
            }
            let mut responses = Map::new();
            let accepted = self.success(
                "Accepted",
                json!({
                    "type": "object",
                    "properties": {
                        "accepted": { "type": "boolean", "readOnly": true },
                        "jobId": { "type": "string", "pattern": HEX24, "readOnly": true }
                    }
                }),
                Mode::Response,
                30,
            );
            responses.insert("202".into(), accepted);
            self.error_responses(&mut responses, &["400", "401", "403", "404", "409", "500"]);
            action.insert("responses".into(), Value::Object(responses));
            let mut action_item = Map::new();
            if res.path_level_params {
                action_item.insert("parameters".into(), Value::Array(shared.clone()));
            }
            action_item.insert("post".into(), Value::Object(action));
            self.paths.insert(path, Value::Object(action_item));
            self.operations += 1;
        }
    }

    // -- broken places -----------------------------------------------------

    /// Plants the ten broken places (or their valid counterparts), each in a
    /// different operation (when there are at least ten resources).
    fn plant(&mut self, resources: &[Resource]) {
        let count = resources.len();
        if count == 0 {
            return;
        }
        let broken = self.config.broken;
        let choose = |bad: Value, good: Value| if broken { bad } else { good };
        for k in 0..10usize {
            let index = ((2 * k + 1) * count / 20).min(count - 1);
            let Some(res) = resources.get(index) else {
                continue;
            };
            let n = &res.name;
            match k {
                0 => self.add_parameter(
                    &res.list_path,
                    "get",
                    json!({
                        "name": "nameFilter",
                        "in": "query",
                        "description": "Returns only items whose name matches.",
                        "schema": {
                            "type": "string",
                            "pattern": choose(json!("^(abc$"), json!("^[a-zA-Z0-9_-]{1,64}$"))
                        }
                    }),
                    &["schema", "pattern"],
                    FindingKind::InvalidPattern,
                ),
                1 => self.add_property(
                    &format!("{n}Create"),
                    "labelPrefix",
                    json!({
                        "type": "string",
                        "description": "Prefix of every label MongoDB Cloud generates.",
                        "pattern": choose(json!("[a-"), json!("^[a-z]+$"))
                    }),
                    "pattern",
                    FindingKind::InvalidPattern,
                ),
                2 => self.add_property(
                    &format!("Paginated{n}"),
                    "nextCursor",
                    json!({
                        "type": "string",
                        "description": "Opaque cursor of the next page.",
                        "readOnly": true,
                        "pattern": choose(json!("*x"), json!("^[A-Za-z0-9+/=]*$"))
                    }),
                    "pattern",
                    FindingKind::InvalidPattern,
                ),
                3 => self.add_parameter(
                    &res.item_path,
                    "get",
                    json!({
                        "name": "X-Trace-Token",
                        "in": "header",
                        "description": "Tracing token forwarded to the audit log.",
                        "schema": {
                            "type": "string",
                            "pattern": choose(json!("^(?<=a)b$"), json!("^[a-z0-9]{8,32}$"))
                        }
                    }),
                    &["schema", "pattern"],
                    FindingKind::UngeneratablePattern,
                ),
                4 => self.add_property(
                    &format!("{n}Create"),
                    "revisionTag",
                    json!({
                        "type": "string",
                        "description": "Revision label of the request.",
                        "pattern": choose(json!("^(?=0{12})[0-9]{12}$"), json!("^(a)b$"))
                    }),
                    "pattern",
                    FindingKind::UngeneratablePattern,
                ),
                5 => self.add_property(
                    &format!("Paginated{n}"),
                    "summary",
                    json!({
                        "$ref": choose(
                            json!("#/components/schemas/DoesNotExist1"),
                            json!("#/components/schemas/Link")
                        )
                    }),
                    "$ref",
                    FindingKind::UnresolvedRef,
                ),
                6 => self.add_property(
                    &format!("{n}Create"),
                    "displayName",
                    json!({
                        "$ref": choose(
                            json!(format!("{SCHEMAS_REF}{n}Base/properties/nmae")),
                            json!(format!("{SCHEMAS_REF}{n}Base/properties/name"))
                        )
                    }),
                    "$ref",
                    FindingKind::UnresolvedRef,
                ),
                7 => self.add_parameter(
                    &res.item_path,
                    "patch",
                    json!({
                        "name": "view",
                        "in": "query",
                        "description": "How much detail the response carries.",
                        "schema": {
                            "$ref": choose(
                                json!("missing-file.yaml#/Foo"),
                                json!("#/components/schemas/ViewMode")
                            )
                        }
                    }),
                    &["schema", "$ref"],
                    FindingKind::UnresolvedRef,
                ),
                8 => self.add_parameter(
                    &res.list_path,
                    "get",
                    json!({
                        "name": "sortBy",
                        "in": "query",
                        "description": "Property by which the response is sorted.",
                        "schema": {
                            "type": choose(json!(7), json!("string")),
                            "enum": ["name", "createdAt"]
                        }
                    }),
                    &["schema", "type"],
                    FindingKind::InvalidSchema,
                ),
                _ => self.add_property(
                    &format!("{n}Create"),
                    "metadata",
                    json!({
                        "type": "object",
                        "description": "Free-form metadata about the request.",
                        "properties": choose(
                            json!([1, 2]),
                            json!({ "source": { "type": "string", "maxLength": 64 } })
                        )
                    }),
                    "properties",
                    FindingKind::InvalidSchema,
                ),
            }
        }
    }

    fn record(&mut self, pointer: String, kind: FindingKind) {
        if self.config.broken {
            self.expected.push(ExpectedFinding { pointer, kind });
        }
    }

    /// Appends an operation-level parameter; `inner` leads from the parameter
    /// to the broken node.
    fn add_parameter(&mut self, path: &str, method: &str, parameter: Value, inner: &[&str], kind: FindingKind) {
        let Some(Value::Object(op)) = self.paths.get_mut(path).and_then(|item| item.get_mut(method)) else {
            return;
        };
        let parameters = op.entry("parameters").or_insert_with(|| json!([]));
        let Value::Array(list) = parameters else {
            return;
        };
        let index = list.len().to_string();
        list.push(parameter);
        let mut tokens = vec!["paths", path, method, "parameters", &index];
        tokens.extend_from_slice(inner);
        self.record(pointer(&tokens), kind);
    }

    /// Adds an optional property to a plain object component schema; `key` is
    /// the broken keyword inside it.
    fn add_property(&mut self, schema: &str, property: &str, value: Value, key: &str, kind: FindingKind) {
        let Some(Value::Object(properties)) = self.schemas.get_mut(schema).and_then(|s| s.get_mut("properties")) else {
            return;
        };
        properties.insert(property.to_string(), value);
        let tokens = ["components", "schemas", schema, "properties", property, key];
        self.record(pointer(&tokens), kind);
    }

    // -- assembly ----------------------------------------------------------

    fn finish(self, resources: &[Resource]) -> LargeSpec {
        let schemas = self.schemas.len();
        let mut tags = self.tags;
        tags.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        let mut document = json!({
            "openapi": "3.0.3",
            "info": {
                "title": "MongoDB Atlas Administration API (synthetic)",
                "description": format!(
                    "Synthetic document shaped like the MongoDB Atlas Administration API: {} resources, generated with seed {}. The Atlas Administration API authenticates with HTTP Digest or OAuth 2.0 service accounts; responses use versioned media types.",
                    resources.len(),
                    self.config.seed
                ),
                "termsOfService": "https://www.mongodb.com/legal/terms-of-use",
                "contact": { "name": "MongoDB Support", "url": "https://www.mongodb.com/docs/atlas/support/" },
                "license": {
                    "name": "CC BY-NC-SA 3.0 US",
                    "url": "https://creativecommons.org/licenses/by-nc-sa/3.0/us/"
                },
                "version": "2.0~synthetic"
            },
            "externalDocs": {
                "description": "Atlas Administration API reference",
                "url": "https://www.mongodb.com/docs/atlas/reference/api-resources-spec/v2/"
            },
            "servers": [
                { "url": "https://cloud.mongodb.com" },
                {
                    "url": "https://{environment}.mongodb.com",
                    "description": "Other MongoDB Cloud environments.",
                    "variables": {
                        "environment": { "default": "cloud-dev", "enum": ["cloud-dev", "cloud-qa"] }
                    }
                }
            ],
            "security": [{ "DigestAuth": [] }, { "ServiceAccounts": [] }],
            "tags": tags,
            "paths": {},
            "components": {
                "schemas": {},
                "parameters": {},
                "responses": Self::shared_responses(),
                "headers": {
                    "RateLimitLimit": {
                        "description": "Requests allowed in the current window.",
                        "schema": { "type": "integer", "format": "int32", "minimum": 0 }
                    },
                    "RateLimitRemaining": {
                        "description": "Requests left in the current window.",
                        "schema": { "type": "integer", "format": "int32", "minimum": 0 }
                    }
                },
                "securitySchemes": {
                    "DigestAuth": { "type": "http", "scheme": "digest" },
                    "ServiceAccounts": {
                        "type": "oauth2",
                        "description": "OAuth 2.0 client credentials of an Atlas service account.",
                        "flows": {
                            "clientCredentials": {
                                "tokenUrl": "https://cloud.mongodb.com/api/oauth/token",
                                "scopes": {}
                            }
                        }
                    }
                }
            }
        });
        // Moved in rather than interpolated: `json!` would clone them.
        document["paths"] = Value::Object(self.paths);
        document["components"]["schemas"] = Value::Object(self.schemas);
        document["components"]["parameters"] = Value::Object(self.parameters);
        LargeSpec { document, expected: self.expected, operations: self.operations, schemas }
    }
}

/// Whether a generated property may be listed in `required` without making
/// request or response examples impossible (a `$ref` may name a `readOnly`
/// schema).
fn plain_required_candidate(schema: &Value) -> bool {
    ["readOnly", "writeOnly", "$ref"].iter().all(|key| schema.get(*key).is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};
    use std::time::Instant;

    const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    fn valid_config() -> LargeSpecConfig {
        LargeSpecConfig { broken: false, ..LargeSpecConfig::default() }
    }

    /// Every `$ref` in the document: (pointer of its value, the reference).
    fn refs(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let here = format!("{at}/{}", escape_token(key));
                    if let (true, Some(reference)) = (key == "$ref", child.as_str()) {
                        out.push((here.clone(), reference.to_string()));
                    }
                    refs(child, &here, out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    refs(child, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    /// Every discriminator mapping target: (pointer, the reference).
    fn mappings(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::Object(mapping)) = map.get("discriminator").and_then(|d| d.get("mapping")) {
                    for (key, target) in mapping {
                        let reference = target.as_str().unwrap_or_default().to_string();
                        out.push((format!("{at}/discriminator/mapping/{key}"), reference));
                    }
                }
                for (key, child) in map {
                    mappings(child, &format!("{at}/{}", escape_token(key)), out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    mappings(child, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    fn resolve<'d>(document: &'d Value, reference: &str) -> Option<&'d Value> {
        document.pointer(reference.strip_prefix('#')?)
    }

    fn operations(document: &Value) -> Vec<(String, String, &Value)> {
        let mut out = Vec::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if METHODS.contains(&method.as_str()) {
                    out.push((path.clone(), method.clone(), op));
                }
            }
        }
        out
    }

    #[test]
    fn same_config_gives_identical_document() {
        let config = LargeSpecConfig::default();
        let a = large_spec(&config);
        let b = large_spec(&config);
        assert_eq!(a, b);
        assert_eq!(serde_json::to_string(&a.document).unwrap(), serde_json::to_string(&b.document).unwrap());
    }

    #[test]
    fn different_seed_gives_different_document() {
        let a = large_spec(&LargeSpecConfig::default());
        let b = large_spec(&LargeSpecConfig { seed: 2, ..LargeSpecConfig::default() });
        assert_ne!(a.document, b.document);
    }

    #[test]
    fn default_counts_are_large_and_reported_exactly() {
        for config in [LargeSpecConfig::default(), valid_config()] {
            let spec = large_spec(&config);
            let ops = operations(&spec.document).len();
            let schemas = spec.document["components"]["schemas"].as_object().unwrap().len();
            assert_eq!(spec.operations, ops);
            assert_eq!(spec.schemas, schemas);
            assert!(ops >= 320, "{ops} operations");
            assert!(schemas >= 520, "{schemas} schemas");
        }
        // The lower bounds hold whatever the seed.
        for seed in 0..20 {
            let spec = large_spec(&LargeSpecConfig { seed, ..LargeSpecConfig::default() });
            assert!(spec.operations >= 320 && spec.schemas >= 520, "seed {seed}");
        }
    }

    #[test]
    fn every_other_ref_and_mapping_resolves() {
        for config in [LargeSpecConfig::default(), valid_config()] {
            let spec = large_spec(&config);
            let planted: BTreeSet<&str> = spec.expected.iter().map(|f| f.pointer.as_str()).collect();
            let mut all = Vec::new();
            refs(&spec.document, "", &mut all);
            mappings(&spec.document, "", &mut all);
            assert!(all.len() > 1000);
            for (at, reference) in &all {
                if planted.contains(at.as_str()) {
                    assert!(resolve(&spec.document, reference).is_none(), "{at}");
                    continue;
                }
                assert!(resolve(&spec.document, reference).is_some(), "{at}: {reference} does not resolve");
            }
        }
    }

    #[test]
    fn expected_findings_point_at_the_planted_nodes() {
        let spec = large_spec(&LargeSpecConfig::default());
        let valid = large_spec(&valid_config());
        assert!(valid.expected.is_empty());
        assert_eq!(spec.expected.len(), 10);
        let kinds: Vec<FindingKind> = spec.expected.iter().map(|f| f.kind).collect();
        let count = |kind| kinds.iter().filter(|k| **k == kind).count();
        assert_eq!(count(FindingKind::InvalidPattern), 3);
        assert_eq!(count(FindingKind::UngeneratablePattern), 2);
        assert_eq!(count(FindingKind::UnresolvedRef), 3);
        assert_eq!(count(FindingKind::InvalidSchema), 2);
        let planted: Vec<Value> =
            spec.expected.iter().map(|f| spec.document.pointer(&f.pointer).cloned().unwrap()).collect();
        assert_eq!(
            planted,
            vec![
                json!("^(abc$"),
                json!("[a-"),
                json!("*x"),
                json!("^(?<=a)b$"),
                json!("^(?=0{12})[0-9]{12}$"),
                json!("#/components/schemas/DoesNotExist1"),
                planted[6].clone(),
                json!("missing-file.yaml#/Foo"),
                json!(7),
                json!([1, 2]),
            ]
        );
        let bad_pointer = planted[6].as_str().unwrap();
        assert!(bad_pointer.starts_with("#/components/schemas/"));
        let existing = bad_pointer.split('/').nth(3).unwrap();
        assert!(spec.document["components"]["schemas"].get(existing).is_some());
        for finding in &spec.expected {
            let last = finding.pointer.rsplit('/').next().unwrap();
            let wanted: &[&str] = match finding.kind {
                FindingKind::InvalidPattern | FindingKind::UngeneratablePattern => &["pattern"],
                FindingKind::UnresolvedRef => &["$ref"],
                FindingKind::InvalidSchema => &["type", "properties", "minimum"],
            };
            assert!(wanted.contains(&last), "{}", finding.pointer);
            assert!(!finding.pointer.starts_with('#'));
            // The same node holds a valid value in the valid variant.
            let good = valid.document.pointer(&finding.pointer).unwrap();
            assert_ne!(good, spec.document.pointer(&finding.pointer).unwrap());
        }
        // Apart from the planted nodes the two variants are the same.
        let mut patched = spec.document.clone();
        for finding in &spec.expected {
            *patched.pointer_mut(&finding.pointer).unwrap() = valid.document.pointer(&finding.pointer).unwrap().clone();
        }
        assert!(patched == valid.document, "the variants differ elsewhere");
    }

    /// The operations whose parameters, request or responses reach the node
    /// at `pointer`.
    fn hosts(document: &Value, pointer: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if let Some(rest) = pointer.strip_prefix("/paths/") {
            let mut tokens = rest.split('/');
            let path = tokens.next().unwrap();
            let method = tokens.next().unwrap();
            out.insert(format!("{path} {method}"));
            return out;
        }
        let name = pointer.split('/').nth(3).unwrap();
        let target = format!("#/components/schemas/{name}");
        // No other component schema may reach it ...
        let mut all = Vec::new();
        refs(&document["components"], "/components", &mut all);
        for (at, reference) in &all {
            let from_itself = at.starts_with(&format!("/components/schemas/{name}/"));
            let hits = reference == &target || reference.starts_with(&format!("{target}/"));
            assert!(!hits || from_itself, "{at} also references {name}");
        }
        // ... so the operations that reference it directly are its hosts.
        for (path, method, op) in operations(document) {
            let mut found = Vec::new();
            refs(op, "", &mut found);
            if found.iter().any(|(_, r)| r == &target) {
                out.insert(format!("{} {method}", escape_token(&path)));
            }
        }
        out
    }

    #[test]
    fn each_broken_place_is_in_its_own_operation() {
        let spec = large_spec(&LargeSpecConfig::default());
        let mut seen = BTreeSet::new();
        for finding in &spec.expected {
            let found = hosts(&spec.document, &finding.pointer);
            assert_eq!(found.len(), 1, "{}: {found:?}", finding.pointer);
            assert!(seen.insert(found), "{} shares an operation", finding.pointer);
        }
    }

    #[test]
    fn paths_parameters_and_operation_ids_are_consistent() {
        for resources in [DEFAULT_RESOURCES, 200] {
            check_paths(&large_spec(&LargeSpecConfig { resources, ..valid_config() }));
        }
    }

    fn check_paths(spec: &LargeSpec) {
        let document = &spec.document;
        let mut ids = BTreeSet::new();
        let mut shapes = BTreeSet::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            let shape: String = path
                .split('{')
                .map(|part| part.split_once('}').map_or(part, |(_, after)| after))
                .collect::<Vec<_>>()
                .join("{}");
            assert!(shapes.insert(shape), "{path} clashes with another path");
            let wanted: BTreeSet<String> = template_names(path).into_iter().collect();
            for method in METHODS {
                let Some(op) = item.get(*method) else {
                    continue;
                };
                assert!(ids.insert(op["operationId"].as_str().unwrap().to_string()));
                let mut declared = BTreeMap::new();
                let lists = [item.get("parameters"), op.get("parameters")];
                for parameter in lists.into_iter().flatten().flat_map(|l| l.as_array().unwrap()) {
                    let parameter = match parameter["$ref"].as_str() {
                        Some(reference) => resolve(document, reference).unwrap(),
                        None => parameter,
                    };
                    let key = (
                        parameter["name"].as_str().unwrap().to_string(),
                        parameter["in"].as_str().unwrap().to_string(),
                    );
                    *declared.entry(key).or_insert(0) += 1;
                }
                let in_path: BTreeSet<String> =
                    declared.keys().filter(|(_, location)| location == "path").map(|(name, _)| name.clone()).collect();
                assert_eq!(in_path, wanted, "{path} {method}");
                // Path-level and operation-level lists never repeat a parameter.
                assert!(declared.values().all(|n| *n == 1), "{path} {method}");
                assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()));
            }
        }
    }

    #[test]
    fn document_uses_every_feature_the_loader_converts() {
        let spec = large_spec(&LargeSpecConfig::default());
        let text = serde_json::to_string(&spec.document).unwrap();
        for needle in [
            "\"openapi\":\"3.0.3\"",
            "\"nullable\":true",
            "\"exclusiveMinimum\":true",
            "\"exclusiveMaximum\":true",
            "\"format\":\"int32\"",
            "\"format\":\"int64\"",
            "\"format\":\"date-time\"",
            "\"format\":\"date\"",
            "\"format\":\"email\"",
            "\"format\":\"uuid\"",
            "\"format\":\"uri\"",
            "\"format\":\"ipv4\"",
            "\"format\":\"ipv6\"",
            "\"format\":\"byte\"",
            "\"format\":\"float\"",
            "\"format\":\"double\"",
            "\"readOnly\":true",
            "\"writeOnly\":true",
            "\"uniqueItems\":true",
            "\"minItems\":",
            "\"maxItems\":",
            "\"minLength\":",
            "\"maxLength\":",
            "\"additionalProperties\":false",
            "\"additionalProperties\":true",
            "\"additionalProperties\":{",
            "\"discriminator\":{\"propertyName\"",
            "\"mapping\":{",
            "\"oneOf\":[",
            "\"anyOf\":[",
            "\"not\":{",
            "\"enum\":[",
            "\"in\":\"header\"",
            "\"in\":\"cookie\"",
            "\"4XX\":",
            "\"default\":{\"$ref\"",
            "application/vnd.atlas.2023-01-01+json",
            "application/vnd.atlas.2024-08-05+json",
            "\"headers\":{",
            "\"example\":",
            "\"examples\":{",
            "\"scheme\":\"digest\"",
            "\"clientCredentials\":",
            "/allOf/1/properties/",
            "#/components/parameters/groupId",
        ] {
            assert!(text.contains(needle), "missing {needle}");
        }
        // allOf chains four deep: Detail -> leaf -> Mid -> Base.
        let schemas = spec.document["components"]["schemas"].as_object().unwrap();
        let depth = |name: &str| {
            let mut depth = 0;
            let mut current = name.to_string();
            while let Some(next) = schemas
                .get(&current)
                .and_then(|s| s["allOf"][0]["$ref"].as_str())
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                depth += 1;
                current = next.to_string();
            }
            depth + 1
        };
        assert!(schemas.keys().any(|name| depth(name) == 4));
        // A schema that references itself through an array.
        assert!(schemas.iter().any(|(name, schema)| {
            schema["properties"].as_object().is_some_and(|props| {
                props.values().any(|p| p["items"]["$ref"].as_str() == Some(&format!("#/components/schemas/{name}")))
            })
        }));
    }

    #[test]
    fn small_and_empty_configurations_work() {
        let empty = large_spec(&LargeSpecConfig { resources: 0, ..LargeSpecConfig::default() });
        assert_eq!(empty.operations, 0);
        assert!(empty.expected.is_empty());
        assert!(empty.document["paths"].as_object().unwrap().is_empty());
        for resources in [1, 3, 10, 200] {
            let spec = large_spec(&LargeSpecConfig { resources, ..LargeSpecConfig::default() });
            assert_eq!(spec.expected.len(), 10, "{resources} resources");
            for finding in &spec.expected {
                assert!(spec.document.pointer(&finding.pointer).is_some());
            }
            assert!(spec.operations >= 5 * resources);
        }
    }

    #[test]
    fn size_and_generation_time() {
        let config = LargeSpecConfig::default();
        let start = Instant::now();
        let spec = large_spec(&config);
        let elapsed = start.elapsed();
        let pretty = serde_json::to_string_pretty(&spec.document).unwrap();
        eprintln!(
            "large_spec: {} operations, {} schemas, {} bytes of pretty JSON, generated in {:?}",
            spec.operations,
            spec.schemas,
            pretty.len(),
            elapsed
        );
        assert!((1_400_000..=2_500_000).contains(&pretty.len()), "{} bytes", pretty.len());
    }
}
