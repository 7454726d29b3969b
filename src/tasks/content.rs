//! What a task says: its title, description and tags, as types that only `parse` builds, so a task
//! with a 5,000-character title cannot exist. Each type also states its rules as its OpenAPI schema
//! (`PartialSchema`), from the same constants its `parse` checks.
//!
//! ```compile_fail,E0603
//! // The field is private: only `TaskTitle::parse` makes a title.
//! let title = better_auth_actix::tasks::content::TaskTitle("x".repeat(5000));
//! ```

use utoipa::PartialSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};

/// Longest title, in characters, after trimming.
pub const TITLE_MAX: usize = 200;
/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 1000;
/// Most tags on one task.
pub const TAGS_MAX: usize = 20;
/// Longest tag, in characters, after trimming.
pub const TAG_MAX: usize = 50;

/// Why text with a NUL character is refused (the database cannot store it, `crate::text`).
pub const NUL: &str = "must not contain NUL (U+0000) characters";

/// A task's title: trimmed, then 1 to [`TITLE_MAX`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskTitle(String);

/// A task's description: at most [`DESCRIPTION_MAX`] characters, kept as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

/// One tag: trimmed, then 1 to [`TAG_MAX`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag(String);

/// A task's tags: at most [`TAGS_MAX`], in the order sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags(Vec<Tag>);

/// `s` trimmed, when that is storable text of 1 to `max` characters.
fn trimmed(s: &str, max: usize) -> Result<&str, String> {
    let t = s.trim();
    if !crate::text::storable(t) {
        Err(NUL.to_owned())
    } else if (1..=max).contains(&t.chars().count()) {
        Ok(t)
    } else {
        Err(format!("must be 1 to {max} characters long after trimming"))
    }
}

impl TaskTitle {
    /// Trims `s`; refuses an empty or overlong result.
    pub fn parse(s: &str) -> Result<Self, String> {
        trimmed(s, TITLE_MAX).map(|t| Self(t.to_owned()))
    }

    /// The title.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Description {
    /// Refuses an overlong description; keeps surrounding white space.
    pub fn parse(s: &str) -> Result<Self, String> {
        if !crate::text::storable(s) {
            return Err(NUL.to_owned());
        }
        if s.chars().count() > DESCRIPTION_MAX {
            return Err(format!("must be at most {DESCRIPTION_MAX} characters long"));
        }
        Ok(Self(s.to_owned()))
    }

    /// The description.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Tag {
    /// Trims `s`; refuses an empty or overlong result.
    pub fn parse(s: &str) -> Result<Self, String> {
        trimmed(s, TAG_MAX).map(|t| Self(t.to_owned()))
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Tags {
    /// Parses a list, an item that is not text being `None`: first its length, then each item in
    /// order. The first violation is the answer, naming the item by index (`tag 2 must be ...`).
    pub fn parse<'a>(
        items: impl ExactSizeIterator<Item = Option<&'a str>>,
    ) -> Result<Self, String> {
        if items.len() > TAGS_MAX {
            return Err(format!("must have at most {TAGS_MAX} tags"));
        }
        items
            .enumerate()
            .map(|(i, item)| {
                let item = item.ok_or_else(|| format!("tag {i} must be a string"))?;
                Tag::parse(item).map_err(|e| format!("tag {i} {e}"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// The tags, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(Tag::as_str)
    }
}

/// A string schema of `min..=max` characters.
fn text(description: String, min: Option<usize>, max: usize) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .min_length(min)
        .max_length(Some(max))
}

impl PartialSchema for TaskTitle {
    fn schema() -> RefOr<Schema> {
        text(
            format!("Trimmed, then 1 to {TITLE_MAX} characters."),
            Some(1),
            TITLE_MAX,
        )
        .into()
    }
}

impl PartialSchema for Description {
    /// Nullable: no description is `null`.
    fn schema() -> RefOr<Schema> {
        text(
            format!("At most {DESCRIPTION_MAX} characters."),
            None,
            DESCRIPTION_MAX,
        )
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .into()
    }
}

impl PartialSchema for Tag {
    #[expect(
        deprecated,
        reason = "the published document has always said `example`, as the derive wrote it"
    )]
    fn schema() -> RefOr<Schema> {
        text(
            format!("A tag: trimmed, then 1 to {TAG_MAX} characters."),
            Some(1),
            TAG_MAX,
        )
        .example(Some("home".into()))
        .into()
    }
}

impl PartialSchema for Tags {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(Tag::schema())
            .description(Some(format!(
                "At most {TAGS_MAX} tags, each trimmed then 1 to {TAG_MAX} characters."
            )))
            .max_items(Some(TAGS_MAX))
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_trimmed_and_measured_in_characters() {
        assert_eq!(
            TaskTitle::parse("  Buy milk ").unwrap().as_str(),
            "Buy milk"
        );
        assert!(TaskTitle::parse(&"é".repeat(TITLE_MAX)).is_ok());
        assert_eq!(
            TaskTitle::parse(&"é".repeat(TITLE_MAX + 1)).unwrap_err(),
            "must be 1 to 200 characters long after trimming"
        );
        assert!(TaskTitle::parse(" \t").is_err());
        assert_eq!(TaskTitle::parse("a\0").unwrap_err(), NUL);
    }

    #[test]
    fn a_description_keeps_its_white_space() {
        assert_eq!(Description::parse(" x ").unwrap().as_str(), " x ");
        assert!(Description::parse("").is_ok());
        assert_eq!(
            Description::parse(&"d".repeat(DESCRIPTION_MAX + 1)).unwrap_err(),
            "must be at most 1000 characters long"
        );
    }

    #[test]
    fn tags_report_the_count_before_any_tag_and_then_the_first_bad_tag() {
        let tags = Tags::parse([Some(" home "), Some("work")].into_iter()).unwrap();
        assert_eq!(tags.iter().collect::<Vec<_>>(), ["home", "work"]);
        let many = vec![None; TAGS_MAX + 1];
        assert_eq!(
            Tags::parse(many.into_iter()).unwrap_err(),
            "must have at most 20 tags"
        );
        assert_eq!(
            Tags::parse([Some("ok"), Some(""), None].into_iter()).unwrap_err(),
            "tag 1 must be 1 to 50 characters long after trimming"
        );
        assert_eq!(
            Tags::parse([None, Some("")].into_iter()).unwrap_err(),
            "tag 0 must be a string"
        );
    }
}
