// @generated automatically by Diesel CLI.

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{Instant, TagList};

    account (id) {
        id -> Text,
        #[sql_name = "accountId"]
        account_id -> Text,
        #[sql_name = "providerId"]
        provider_id -> Text,
        #[sql_name = "userId"]
        user_id -> Text,
        #[sql_name = "accessToken"]
        access_token -> Nullable<Text>,
        #[sql_name = "refreshToken"]
        refresh_token -> Nullable<Text>,
        #[sql_name = "idToken"]
        id_token -> Nullable<Text>,
        #[sql_name = "accessTokenExpiresAt"]
        access_token_expires_at -> Nullable<Instant>,
        #[sql_name = "refreshTokenExpiresAt"]
        refresh_token_expires_at -> Nullable<Instant>,
        scope -> Nullable<Text>,
        password -> Nullable<Text>,
        #[sql_name = "createdAt"]
        created_at -> Instant,
        #[sql_name = "updatedAt"]
        updated_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{Instant, TagList};

    jwks (id) {
        id -> Text,
        #[sql_name = "publicKey"]
        public_key -> Text,
        #[sql_name = "privateKey"]
        private_key -> Text,
        #[sql_name = "createdAt"]
        created_at -> Instant,
        #[sql_name = "expiresAt"]
        expires_at -> Nullable<Instant>,
        alg -> Nullable<Text>,
        crv -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{Instant, TagList};

    #[sql_name = "rateLimit"]
    rate_limit (id) {
        id -> Text,
        key -> Text,
        count -> Int4,
        #[sql_name = "lastRequest"]
        last_request -> Int8,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{Instant, TagList};

    session (id) {
        id -> Text,
        #[sql_name = "expiresAt"]
        expires_at -> Instant,
        token -> Text,
        #[sql_name = "createdAt"]
        created_at -> Instant,
        #[sql_name = "updatedAt"]
        updated_at -> Instant,
        #[sql_name = "ipAddress"]
        ip_address -> Nullable<Text>,
        #[sql_name = "userAgent"]
        user_agent -> Nullable<Text>,
        #[sql_name = "userId"]
        user_id -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{Instant, TagList};

    task (id) {
        id -> Int8,
        user_id -> Text,
        title -> Text,
        description -> Nullable<Text>,
        completed -> Bool,
        priority -> Text,
        tags -> TagList,
        due_date -> Nullable<Instant>,
        created_at -> Instant,
        updated_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{Instant, TagList};

    user (id) {
        id -> Text,
        name -> Text,
        email -> Text,
        #[sql_name = "emailVerified"]
        email_verified -> Bool,
        image -> Nullable<Text>,
        #[sql_name = "createdAt"]
        created_at -> Instant,
        #[sql_name = "updatedAt"]
        updated_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{Instant, TagList};

    verification (id) {
        id -> Text,
        identifier -> Text,
        value -> Text,
        #[sql_name = "expiresAt"]
        expires_at -> Instant,
        #[sql_name = "createdAt"]
        created_at -> Instant,
        #[sql_name = "updatedAt"]
        updated_at -> Instant,
    }
}

diesel::joinable!(account -> user (user_id));
diesel::joinable!(session -> user (user_id));
diesel::joinable!(task -> user (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    account,
    jwks,
    rate_limit,
    session,
    task,
    user,
    verification,
);
