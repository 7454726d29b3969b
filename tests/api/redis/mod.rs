//! Better Auth's `secondaryStorage` on Redis (`SECONDARY_STORAGE_URL`): sessions key for key as
//! Better Auth keeps them, in each storage mode; shared rate limits; Redis outages.

mod credentials;
mod modes;
mod outage;
mod rate_limit;
mod sessions;
mod verification;
