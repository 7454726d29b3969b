// @generated automatically by Diesel CLI.

diesel::table! {
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
        access_token_expires_at -> Nullable<Timestamptz>,
        #[sql_name = "refreshTokenExpiresAt"]
        refresh_token_expires_at -> Nullable<Timestamptz>,
        scope -> Nullable<Text>,
        password -> Nullable<Text>,
        #[sql_name = "createdAt"]
        created_at -> Timestamptz,
        #[sql_name = "updatedAt"]
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    jwks (id) {
        id -> Text,
        #[sql_name = "publicKey"]
        public_key -> Text,
        #[sql_name = "privateKey"]
        private_key -> Text,
        #[sql_name = "createdAt"]
        created_at -> Timestamptz,
        #[sql_name = "expiresAt"]
        expires_at -> Nullable<Timestamptz>,
        alg -> Nullable<Text>,
        crv -> Nullable<Text>,
    }
}

diesel::table! {
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
    session (id) {
        id -> Text,
        #[sql_name = "expiresAt"]
        expires_at -> Timestamptz,
        token -> Text,
        #[sql_name = "createdAt"]
        created_at -> Timestamptz,
        #[sql_name = "updatedAt"]
        updated_at -> Timestamptz,
        #[sql_name = "ipAddress"]
        ip_address -> Nullable<Text>,
        #[sql_name = "userAgent"]
        user_agent -> Nullable<Text>,
        #[sql_name = "userId"]
        user_id -> Text,
    }
}

diesel::table! {
    task (id) {
        id -> Int8,
        user_id -> Text,
        title -> Text,
        description -> Nullable<Text>,
        completed -> Bool,
        priority -> Text,
        tags -> Array<Nullable<Text>>,
        due_date -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    user (id) {
        id -> Text,
        name -> Text,
        email -> Text,
        #[sql_name = "emailVerified"]
        email_verified -> Bool,
        image -> Nullable<Text>,
        #[sql_name = "createdAt"]
        created_at -> Timestamptz,
        #[sql_name = "updatedAt"]
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    verification (id) {
        id -> Text,
        identifier -> Text,
        value -> Text,
        #[sql_name = "expiresAt"]
        expires_at -> Timestamptz,
        #[sql_name = "createdAt"]
        created_at -> Timestamptz,
        #[sql_name = "updatedAt"]
        updated_at -> Timestamptz,
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
