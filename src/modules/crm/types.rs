//! Wire types of the CRM: contacts, companies, tags, custom fields, the timeline and segments,
//! and the filter language segments and lists share. `Filter::matches` is the in-memory twin of
//! the SQL the repo builds from the same filter; a test holds the two to the same answers.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::shared::validate::double;

// ---- consent

/// Whether a contact may receive marketing email, and why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    /// Nothing recorded: not mailed by campaigns.
    #[default]
    None,
    /// Signed up, waiting for the double opt-in confirmation.
    Pending,
    Subscribed,
    Unsubscribed,
    Bounced,
    Complained,
}

impl Consent {
    pub const ALL: [Consent; 6] =
        [Consent::None, Consent::Pending, Consent::Subscribed, Consent::Unsubscribed, Consent::Bounced, Consent::Complained];

    pub fn as_str(self) -> &'static str {
        match self {
            Consent::None => "none",
            Consent::Pending => "pending",
            Consent::Subscribed => "subscribed",
            Consent::Unsubscribed => "unsubscribed",
            Consent::Bounced => "bounced",
            Consent::Complained => "complained",
        }
    }

    pub fn parse(s: &str) -> Option<Consent> {
        Consent::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Consent::None => "No consent",
            Consent::Pending => "Pending confirmation",
            Consent::Subscribed => "Subscribed",
            Consent::Unsubscribed => "Unsubscribed",
            Consent::Bounced => "Bounced",
            Consent::Complained => "Complained",
        }
    }
}

// ---- contacts

/// A contact as the API and pages see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ContactView {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    /// "First Last", or the email when both are empty.
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// More addresses and numbers besides the primary ones.
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub company_id: Option<Uuid>,
    pub company_name: Option<String>,
    pub job_title: String,
    pub address_line: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, upper case, or "".
    pub country: String,
    pub notes: String,
    /// The member responsible for the contact.
    pub owner_id: Option<Uuid>,
    /// Where the contact came from: `manual`, `import`, `api`, `bio:@handle`…
    pub source: String,
    pub tags: Vec<String>,
    /// Custom field values by field key: strings, numbers, booleans, dates as `YYYY-MM-DD`.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub custom: BTreeMap<String, serde_json::Value>,
    pub consent_status: Consent,
    pub consent_at: Option<String>,
    pub consent_source: Option<String>,
    pub deleted_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Create or change a contact. On create `email` or a name is required; on PATCH only the
/// fields sent change and `null` clears an optional one. `tags` replaces the contact's tags
/// (unknown names are created); `custom` sets the keys it names (`null` clears one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ContactInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub phone: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Uuid>))]
    pub company_id: Option<Option<Uuid>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Uuid>))]
    pub owner_id: Option<Option<Uuid>>,
    /// Set on create only (`manual` when absent); later changes are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub custom: Option<BTreeMap<String, serde_json::Value>>,
    /// Recording consent by hand says how it was given (`consent_source`), e.g. "paper form".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_status: Option<Consent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_source: Option<String>,
}

/// One entry of a contact's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActivityView {
    pub id: Uuid,
    pub contact_id: Uuid,
    /// `note`, `created`, `consent`, `form_signup`, `email_sent`, `email_opened`,
    /// `email_clicked`, `import`, and the kinds other modules add (`order`, `booking`…).
    pub kind: String,
    pub summary: String,
    pub body: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub data: serde_json::Value,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub occurred_at: String,
}

/// A note on a contact's timeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NoteInput {
    pub body: String,
}

/// A page of a contact's timeline, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Timeline {
    pub items: Vec<ActivityView>,
    pub next_cursor: Option<String>,
}

// ---- companies

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CompanyView {
    pub id: Uuid,
    pub name: String,
    pub domain: Option<String>,
    pub phone: Option<String>,
    pub notes: String,
    pub contact_count: u64,
    pub deleted_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CompanyInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub domain: Option<Option<String>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub phone: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

// ---- tags

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TagView {
    pub id: Uuid,
    pub name: String,
    pub color: String,
    pub contact_count: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TagInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

// ---- custom fields

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Number,
    Date,
    Select,
    Checkbox,
}

impl FieldKind {
    pub const ALL: [FieldKind; 5] = [FieldKind::Text, FieldKind::Number, FieldKind::Date, FieldKind::Select, FieldKind::Checkbox];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::Select => "select",
            FieldKind::Checkbox => "checkbox",
        }
    }

    pub fn parse(s: &str) -> Option<FieldKind> {
        FieldKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomFieldView {
    pub id: Uuid,
    /// The name in `custom` and in filters (`custom.{key}`): `a-z`, `0-9`, `_`.
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    /// The choices of a select field.
    pub options: Vec<String>,
    pub position: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomFieldInput {
    /// Set on create; derived from the label when absent. Cannot change later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Set on create only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FieldKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i32>,
}

/// A custom field key: lowercase letters, digits and `_`, starting with a letter.
pub fn parse_field_key(raw: &str) -> Result<String, String> {
    let key = raw.trim();
    let ok = (1..=40).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok { Ok(key.to_owned()) } else { Err("Use 1 to 40 lowercase letters, digits or _, starting with a letter.".into()) }
}

/// A key from a label: "Plan tier" → `plan_tier`.
pub fn key_from_label(label: &str) -> String {
    let mut key = String::new();
    for c in label.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c);
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
    }
    let key = key.trim_end_matches('_');
    let key = if key.starts_with(|c: char| c.is_ascii_lowercase()) { key.to_owned() } else { format!("f_{key}") };
    key.chars().take(40).collect::<String>().trim_end_matches('_').to_owned()
}

/// A custom field value, checked against its field: numbers are JSON numbers (or numeric
/// strings), dates `YYYY-MM-DD`, checkboxes booleans, selects one of the options.
pub fn parse_custom_value(field: &CustomFieldView, value: &serde_json::Value) -> Result<serde_json::Value, String> {
    use serde_json::Value;
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match field.kind {
        FieldKind::Text => match text(value) {
            Some(s) if s.chars().count() <= 500 => Ok(Value::String(s)),
            Some(_) => Err(format!("{}: use at most 500 characters.", field.label)),
            None => Err(format!("{}: enter text.", field.label)),
        },
        FieldKind::Number => {
            let n = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().replace(',', "").parse::<f64>().ok(),
                _ => None,
            };
            // Whole numbers stay integers (`7`, not `7.0`) in the API and in exports.
            let whole = |n: f64| (n.fract() == 0.0 && n.abs() < 9e15).then(|| serde_json::Number::from(n as i64));
            match n.filter(|n| n.is_finite()).and_then(|n| whole(n).or_else(|| serde_json::Number::from_f64(n))) {
                Some(n) => Ok(Value::Number(n)),
                None => Err(format!("{}: enter a number.", field.label)),
            }
        }
        FieldKind::Date => match text(value).and_then(|s| parse_date(&s)) {
            Some((y, m, d)) => Ok(Value::String(format!("{y:04}-{m:02}-{d:02}"))),
            None => Err(format!("{}: enter a date as YYYY-MM-DD.", field.label)),
        },
        FieldKind::Checkbox => match value {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" | "y" | "x" => Ok(Value::Bool(true)),
                "false" | "no" | "0" | "n" | "" => Ok(Value::Bool(false)),
                _ => Err(format!("{}: use yes or no.", field.label)),
            },
            _ => Err(format!("{}: use true or false.", field.label)),
        },
        FieldKind::Select => match text(value) {
            Some(s) => match field.options.iter().find(|o| o.eq_ignore_ascii_case(&s)) {
                Some(o) => Ok(Value::String(o.clone())),
                None => Err(format!("{}: pick one of {}.", field.label, field.options.join(", "))),
            },
            None => Err(format!("{}: pick one of {}.", field.label, field.options.join(", "))),
        },
    }
}

// ---- segments and filters

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Match {
    #[default]
    All,
    Any,
}

/// How a rule compares. Text: `is`, `is_not`, `contains`, `not_contains`, `starts_with`,
/// `is_empty`, `is_not_empty`. Numbers and dates add `gt` and `lt` (after, before). Tags:
/// `is` (has the tag) and `is_not`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Is,
    IsNot,
    Contains,
    NotContains,
    StartsWith,
    IsEmpty,
    IsNotEmpty,
    Gt,
    Lt,
}

impl Op {
    pub const ALL: [Op; 9] = [Op::Is, Op::IsNot, Op::Contains, Op::NotContains, Op::StartsWith, Op::IsEmpty, Op::IsNotEmpty, Op::Gt, Op::Lt];

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Is => "is",
            Op::IsNot => "is_not",
            Op::Contains => "contains",
            Op::NotContains => "not_contains",
            Op::StartsWith => "starts_with",
            Op::IsEmpty => "is_empty",
            Op::IsNotEmpty => "is_not_empty",
            Op::Gt => "gt",
            Op::Lt => "lt",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Op::Is => "is",
            Op::IsNot => "is not",
            Op::Contains => "contains",
            Op::NotContains => "does not contain",
            Op::StartsWith => "starts with",
            Op::IsEmpty => "is empty",
            Op::IsNotEmpty => "is not empty",
            Op::Gt => "is after / more than",
            Op::Lt => "is before / less than",
        }
    }

    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.as_str() == s)
    }

    pub fn needs_value(self) -> bool {
        !matches!(self, Op::IsEmpty | Op::IsNotEmpty)
    }
}

/// One condition: `{"field": "city", "op": "is", "value": "Lisbon"}`. Fields: the contact's
/// text fields (`first_name`, `last_name`, `email`, `phone`, `company`, `job_title`, `city`,
/// `region`, `postal_code`, `country`, `source`), `consent_status`, `tag`, `created_at`,
/// `updated_at`, and `custom.{key}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Rule {
    pub field: String,
    pub op: Op,
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Filter {
    #[serde(default, rename = "match")]
    pub match_: Match,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// The built-in fields a rule can name, with their labels, in the order the builder lists them.
pub const TEXT_FIELDS: &[(&str, &str)] = &[
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("company", "Company"),
    ("job_title", "Job title"),
    ("city", "City"),
    ("region", "Region"),
    ("postal_code", "Postal code"),
    ("country", "Country"),
    ("source", "Source"),
];

/// What kind of value a rule field holds, which decides its operators and comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldType {
    Text,
    Consent,
    Tag,
    Timestamp,
    Custom(CustomFieldView),
}

impl FieldType {
    pub fn ops(&self) -> &'static [Op] {
        use Op::*;
        match self {
            FieldType::Text => &[Is, IsNot, Contains, NotContains, StartsWith, IsEmpty, IsNotEmpty],
            FieldType::Consent | FieldType::Tag => &[Is, IsNot],
            FieldType::Timestamp => &[Gt, Lt],
            FieldType::Custom(f) => match f.kind {
                FieldKind::Text => &[Is, IsNot, Contains, NotContains, StartsWith, IsEmpty, IsNotEmpty],
                FieldKind::Select => &[Is, IsNot, IsEmpty, IsNotEmpty],
                FieldKind::Number | FieldKind::Date => &[Is, IsNot, Gt, Lt, IsEmpty, IsNotEmpty],
                FieldKind::Checkbox => &[Is],
            },
        }
    }
}

/// The type of a rule's field, or why it names none.
pub fn field_type(field: &str, custom: &[CustomFieldView]) -> Result<FieldType, String> {
    if TEXT_FIELDS.iter().any(|(f, _)| *f == field) {
        return Ok(FieldType::Text);
    }
    match field {
        "consent_status" => Ok(FieldType::Consent),
        "tag" => Ok(FieldType::Tag),
        "created_at" | "updated_at" => Ok(FieldType::Timestamp),
        _ => match field.strip_prefix("custom.").and_then(|k| custom.iter().find(|f| f.key == k)) {
            Some(f) => Ok(FieldType::Custom(f.clone())),
            None => Err(format!("There is no field {field:?}.")),
        },
    }
}

/// A checked rule value: dates as `YYYY-MM-DD` (or a full RFC 3339 time for timestamps),
/// numbers parsed, consent a known state.
pub fn check_rule(rule: &Rule, custom: &[CustomFieldView]) -> Result<(), String> {
    let ty = field_type(&rule.field, custom)?;
    if !ty.ops().contains(&rule.op) {
        return Err(format!("{:?} cannot use {:?}.", rule.field, rule.op.as_str()));
    }
    if !rule.op.needs_value() {
        return Ok(());
    }
    let v = rule.value.trim();
    if v.is_empty() && !matches!(ty, FieldType::Text) {
        return Err(format!("Enter a value for {}.", rule.field));
    }
    if v.chars().count() > 200 {
        return Err("Use a value of at most 200 characters.".into());
    }
    match &ty {
        FieldType::Consent if Consent::parse(v).is_none() => Err(format!("{v:?} is not a consent state.")),
        FieldType::Timestamp if parse_date(v).is_none() => Err("Enter a date as YYYY-MM-DD.".into()),
        FieldType::Custom(f) if f.kind == FieldKind::Number && v.parse::<f64>().map_or(true, |n| !n.is_finite()) => {
            Err(format!("{}: enter a number.", f.label))
        }
        FieldType::Custom(f) if f.kind == FieldKind::Date && parse_date(v).is_none() => {
            Err(format!("{}: enter a date as YYYY-MM-DD.", f.label))
        }
        FieldType::Custom(f) if f.kind == FieldKind::Checkbox && !matches!(v, "true" | "false") => Err(format!("{}: use true or false.", f.label)),
        _ => Ok(()),
    }
}

/// `YYYY-MM-DD` of a real day (the browser build has no date library, so this is by hand).
pub fn parse_date(v: &str) -> Option<(i32, u32, u32)> {
    let b = v.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d): (i32, u32, u32) = (v[0..4].parse().ok()?, v[5..7].parse().ok()?, v[8..10].parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (y >= 1 && (1..=days).contains(&d)).then_some((y, m, d))
}

/// Case-insensitive text comparison as the database's collation does it (for the ASCII and
/// ordinary letters names and addresses hold).
fn fold(s: &str) -> String {
    s.trim_end().to_lowercase()
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether a contact matches, exactly as the SQL of the same filter decides.
    pub fn matches(&self, c: &ContactView, custom: &[CustomFieldView]) -> bool {
        if self.rules.is_empty() {
            return true;
        }
        let mut results = self.rules.iter().map(|r| rule_matches(r, c, custom));
        match self.match_ {
            Match::All => results.all(|m| m),
            Match::Any => results.any(|m| m),
        }
    }
}

fn text_value(field: &str, c: &ContactView) -> String {
    match field {
        "first_name" => c.first_name.clone(),
        "last_name" => c.last_name.clone(),
        "email" => c.email.clone().unwrap_or_default(),
        "phone" => c.phone.clone().unwrap_or_default(),
        "company" => c.company_name.clone().unwrap_or_default(),
        "job_title" => c.job_title.clone(),
        "city" => c.city.clone(),
        "region" => c.region.clone(),
        "postal_code" => c.postal_code.clone(),
        "country" => c.country.clone(),
        "source" => c.source.clone(),
        _ => String::new(),
    }
}

fn text_matches(op: Op, have: &str, want: &str) -> bool {
    let (have, want) = (fold(have), fold(want));
    match op {
        Op::Is => have == want,
        Op::IsNot => have != want,
        Op::Contains => have.contains(&want),
        Op::NotContains => !have.contains(&want),
        Op::StartsWith => have.starts_with(&want),
        Op::IsEmpty => have.is_empty(),
        Op::IsNotEmpty => !have.is_empty(),
        Op::Gt | Op::Lt => false,
    }
}

fn rule_matches(rule: &Rule, c: &ContactView, custom: &[CustomFieldView]) -> bool {
    let Ok(ty) = field_type(&rule.field, custom) else { return false };
    let want = rule.value.trim();
    match ty {
        FieldType::Text => text_matches(rule.op, &text_value(&rule.field, c), want),
        FieldType::Consent => (c.consent_status.as_str() == want) == (rule.op == Op::Is),
        FieldType::Tag => c.tags.iter().any(|t| fold(t) == fold(want)) == (rule.op == Op::Is),
        FieldType::Timestamp => {
            // Wire times are fixed-width UTC (`2026-11-24T10:00:00.000000Z`), so text order is time order.
            let at = if rule.field == "created_at" { &c.created_at } else { &c.updated_at };
            let bound = format!("{want}T00:00:00.000000Z");
            match (rule.op, parse_date(want)) {
                (Op::Gt, Some(_)) => at.as_str() > bound.as_str(),
                (Op::Lt, Some(_)) => at.as_str() < bound.as_str(),
                _ => false,
            }
        }
        FieldType::Custom(f) => {
            let value = c.custom.get(&f.key).filter(|v| !v.is_null());
            match f.kind {
                FieldKind::Text | FieldKind::Select => {
                    let have = value.and_then(|v| v.as_str()).unwrap_or_default();
                    text_matches(rule.op, have, want)
                }
                FieldKind::Checkbox => value.and_then(|v| v.as_bool()).unwrap_or(false) == (want == "true"),
                FieldKind::Number => {
                    let have = value.and_then(|v| v.as_f64());
                    let want = want.parse::<f64>().ok();
                    match (rule.op, have, want) {
                        (Op::IsEmpty, h, _) => h.is_none(),
                        (Op::IsNotEmpty, h, _) => h.is_some(),
                        (Op::Is, Some(h), Some(w)) => h == w,
                        (Op::IsNot, Some(h), Some(w)) => h != w,
                        (Op::IsNot, None, _) => true,
                        (Op::Gt, Some(h), Some(w)) => h > w,
                        (Op::Lt, Some(h), Some(w)) => h < w,
                        _ => false,
                    }
                }
                FieldKind::Date => {
                    let have = value.and_then(|v| v.as_str());
                    match (rule.op, have) {
                        (Op::IsEmpty, h) => h.is_none(),
                        (Op::IsNotEmpty, h) => h.is_some(),
                        (Op::Is, Some(h)) => h == want,
                        (Op::IsNot, h) => h != Some(want),
                        (Op::Gt, Some(h)) => h > want,
                        (Op::Lt, Some(h)) => h < want,
                        _ => false,
                    }
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SegmentView {
    pub id: Uuid,
    pub name: String,
    pub filter: Filter,
    /// Contacts matching now.
    pub count: u64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SegmentInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<Filter>,
}

// ---- deals

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StageView {
    pub id: Uuid,
    pub name: String,
    /// Chance of winning a deal in this stage, 0–100.
    pub probability: u8,
    pub position: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PipelineView {
    pub id: Uuid,
    pub name: String,
    pub stages: Vec<StageView>,
    pub created_at: String,
    pub updated_at: String,
}

/// A stage in a pipeline's stage list: with `id` an existing stage (renamed, moved), without
/// one a new stage. Stages left out are removed (refused while deals are in them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StageInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    pub name: String,
    #[serde(default)]
    pub probability: u8,
}

/// `{name, stages: [{id?, name, probability}]}`, the stages in board order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PipelineInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stages: Option<Vec<StageInput>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    #[default]
    Open,
    Won,
    Lost,
}

impl DealStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DealStatus::Open => "open",
            DealStatus::Won => "won",
            DealStatus::Lost => "lost",
        }
    }

    pub fn parse(s: &str) -> Option<DealStatus> {
        [DealStatus::Open, DealStatus::Won, DealStatus::Lost].into_iter().find(|d| d.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DealView {
    pub id: Uuid,
    pub pipeline_id: Uuid,
    pub stage_id: Uuid,
    pub position: i32,
    pub title: String,
    /// In minor units of `currency` (cents for USD).
    pub value_minor: i64,
    /// ISO 4217, upper case.
    pub currency: String,
    pub contact_id: Option<Uuid>,
    pub contact_name: Option<String>,
    pub company_id: Option<Uuid>,
    pub company_name: Option<String>,
    pub owner_id: Option<Uuid>,
    /// `YYYY-MM-DD`.
    pub expected_close: Option<String>,
    pub status: DealStatus,
    pub lost_reason: Option<String>,
    pub closed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Create or change a deal. On create `title`, `pipeline_id` and `currency` are required (the
/// first stage is used when `stage_id` is absent). Setting `status` to `lost` needs a
/// `lost_reason`; back to `open` (reopening) clears it and puts the deal at the bottom of its
/// stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DealInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage_id: Option<Uuid>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Uuid>))]
    pub contact_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Uuid>))]
    pub company_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Uuid>))]
    pub owner_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub expected_close: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DealStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost_reason: Option<String>,
}

/// A move on the board: to `stage_id`, at `position` (0 = top) among that stage's deals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DealMove {
    pub stage_id: Uuid,
    pub position: u32,
}

/// A pipeline's board: its stages with their deals in order, and per-stage totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BoardView {
    pub pipeline: PipelineView,
    pub columns: Vec<BoardColumn>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BoardColumn {
    pub stage: StageView,
    /// Open deals, in board order (won and lost ones are listed with `GET /crm/deals?status=`).
    pub deals: Vec<DealView>,
    /// Sum of the open deals' values per currency, minor units.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub totals: BTreeMap<String, i64>,
}

/// `GET /api/v1/crm/deals` parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct DealQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<Uuid>,
    /// `open`, `won` or `lost`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<Uuid>,
}

/// An ISO 4217 code: three letters, upper-cased.
pub fn parse_currency(raw: &str) -> Result<String, String> {
    let c = raw.trim().to_ascii_uppercase();
    if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) { Ok(c) } else { Err("Use a three-letter currency code like USD or EUR.".into()) }
}

// ---- lists and bulk actions

/// `GET /api/v1/crm/contacts` parameters (the pages send the same).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct ContactQuery {
    /// Words to find in names, email addresses, phone numbers and company names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Only contacts with this tag (by name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Only contacts in this saved segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_id: Option<Uuid>,
    /// A filter as JSON (`{"match":"all","rules":[…]}`), combined with the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// `created_at`, `updated_at` or `name`; a leading `-` sorts descending. Default `-created_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// List the deleted contacts that can still be restored instead.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    Tag,
    Untag,
    Delete,
    Restore,
}

/// `{action, ids, tag?}`: up to 1,000 contacts at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkInput {
    pub action: BulkAction,
    pub ids: Vec<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkResult {
    /// Contacts the action changed (ids of other workspaces or already in that state are not counted).
    pub affected: u64,
}

/// The sort of a contact list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Created,
    Updated,
    Name,
}

/// `created_at` / `-name` … → key and descending flag.
pub fn parse_sort(raw: Option<&str>) -> Result<(SortKey, bool), String> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty()).unwrap_or("-created_at");
    let (desc, name) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let key = match name {
        "created_at" => SortKey::Created,
        "updated_at" => SortKey::Updated,
        "name" => SortKey::Name,
        _ => return Err("Sort by created_at, updated_at or name (with - for descending).".into()),
    };
    Ok((key, desc))
}

/// "Ada Lovelace", or the email, or "(no name)".
pub fn display_name(first: &str, last: &str, email: Option<&str>) -> String {
    let name = format!("{} {}", first.trim(), last.trim()).trim().to_owned();
    if !name.is_empty() {
        name
    } else {
        email.map(str::to_owned).unwrap_or_else(|| "(no name)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, kind: FieldKind, options: &[&str]) -> CustomFieldView {
        CustomFieldView { id: Uuid::nil(), key: key.into(), label: key.into(), kind, options: options.iter().map(|o| (*o).to_owned()).collect(), position: 0 }
    }

    #[test]
    fn keys_come_from_labels_and_are_checked() {
        assert_eq!(key_from_label("Plan tier"), "plan_tier");
        assert_eq!(key_from_label("  2nd email! "), "f_2nd_email");
        assert_eq!(parse_field_key("plan_tier"), Ok("plan_tier".into()));
        assert!(parse_field_key("Plan").is_err() && parse_field_key("1x").is_err() && parse_field_key("").is_err());
    }

    #[test]
    fn custom_values_follow_their_field() {
        use serde_json::json;
        let n = field("n", FieldKind::Number, &[]);
        assert_eq!(parse_custom_value(&n, &json!("1,200.5")), Ok(json!(1200.5)));
        assert_eq!(parse_custom_value(&n, &json!(7.0)), Ok(json!(7)));
        assert!(parse_custom_value(&n, &json!("lots")).is_err());
        let d = field("d", FieldKind::Date, &[]);
        assert_eq!(parse_custom_value(&d, &json!("2026-02-03")), Ok(json!("2026-02-03")));
        assert!(parse_custom_value(&d, &json!("03/02/2026")).is_err());
        let s = field("s", FieldKind::Select, &["Gold", "Silver"]);
        assert_eq!(parse_custom_value(&s, &json!("gold")), Ok(json!("Gold")));
        assert!(parse_custom_value(&s, &json!("Bronze")).is_err());
        let c = field("c", FieldKind::Checkbox, &[]);
        assert_eq!(parse_custom_value(&c, &json!("yes")), Ok(json!(true)));
    }

    #[test]
    fn rules_are_checked_against_their_field() {
        let custom = [field("score", FieldKind::Number, &[])];
        let rule = |f: &str, op: Op, v: &str| Rule { field: f.into(), op, value: v.into() };
        assert!(check_rule(&rule("city", Op::Contains, "lis"), &custom).is_ok());
        assert!(check_rule(&rule("city", Op::Gt, "x"), &custom).is_err());
        assert!(check_rule(&rule("custom.score", Op::Gt, "ten"), &custom).is_err());
        assert!(check_rule(&rule("custom.score", Op::Gt, "10"), &custom).is_ok());
        assert!(check_rule(&rule("custom.nope", Op::Is, "1"), &custom).is_err());
        assert!(check_rule(&rule("consent_status", Op::Is, "maybe"), &custom).is_err());
        assert!(check_rule(&rule("created_at", Op::Gt, "2026-01-01"), &custom).is_ok());
        assert!(check_rule(&rule("created_at", Op::Gt, "2026-02-30"), &custom).is_err());
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
        assert!(parse_date("2023-02-29").is_none() && parse_date("2026-13-01").is_none() && parse_date("26-1-1").is_none());
    }

    #[test]
    fn currencies_are_three_letters() {
        assert_eq!(parse_currency(" eur "), Ok("EUR".into()));
        assert!(parse_currency("EURO").is_err() && parse_currency("€").is_err());
        assert_eq!(DealStatus::parse("lost"), Some(DealStatus::Lost));
    }

    #[test]
    fn sorts_parse() {
        assert_eq!(parse_sort(None), Ok((SortKey::Created, true)));
        assert_eq!(parse_sort(Some("name")), Ok((SortKey::Name, false)));
        assert!(parse_sort(Some("email")).is_err());
        assert_eq!(display_name(" ", "", Some("a@b.co")), "a@b.co");
    }
}
