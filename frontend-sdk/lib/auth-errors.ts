/**
 * User-facing messages for every error code our server emits (Better Auth's
 * codes plus the task API's). The UI shows these, never a raw code.
 * tests/auth-errors.test.ts proves the table covers the server's error enum.
 */

export const ERROR_MESSAGES = {
  // Sign-up / sign-in
  INVALID_EMAIL_OR_PASSWORD: "That email and password don't match. Check them and try again.",
  INVALID_EMAIL: "Enter a valid email address.",
  INVALID_PASSWORD: "That password isn't right.",
  PASSWORD_TOO_SHORT: "Your password is too short. Use at least 8 characters.",
  PASSWORD_TOO_LONG: "Your password is too long. Use at most 128 characters.",
  USER_ALREADY_EXISTS: "An account with this email already exists.",
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: "An account with this email already exists. Sign in, or use another email.",
  USER_NOT_FOUND: "We couldn't find that account.",
  EMAIL_NOT_VERIFIED: "Please verify your email address before signing in.",
  EMAIL_PASSWORD_DISABLED: "Signing in with email and password is turned off.",
  EMAIL_PASSWORD_SIGN_UP_DISABLED: "Signing up with email and password is turned off.",
  FAILED_TO_CREATE_USER: "We couldn't create your account. Please try again.",
  FAILED_TO_CREATE_SESSION: "We couldn't sign you in. Please try again.",
  FAILED_TO_GET_SESSION: "We couldn't check your session. Please sign in again.",
  FAILED_TO_UPDATE_USER: "We couldn't update your account. Please try again.",
  INVALID_USER: "This link belongs to a different account.",
  INVALID_TOKEN: "This link is invalid or has already been used.",
  TOKEN_EXPIRED: "This link has expired. Request a new one.",
  CREDENTIAL_ACCOUNT_NOT_FOUND: "This account has no password set.",
  PASSWORD_ALREADY_SET: "This account already has a password.",
  USER_ALREADY_HAS_PASSWORD: "This account already has a password. Enter it to continue.",
  RESET_PASSWORD_DISABLED: "Password reset isn't available.",
  // E-mail changes and verification
  EMAIL_CAN_NOT_BE_UPDATED: "Your email address can't be changed here.",
  CHANGE_EMAIL_DISABLED: "Changing your email address isn't available.",
  VERIFICATION_EMAIL_NOT_ENABLED: "Email verification isn't available.",
  EMAIL_ALREADY_VERIFIED: "Your email address is already verified.",
  EMAIL_MISMATCH: "That email address doesn't match this account.",
  FAILED_TO_CREATE_VERIFICATION: "We couldn't start verification. Please try again.",
  // Sessions
  UNAUTHORIZED: "Please sign in to continue.",
  SESSION_EXPIRED: "Your session has expired. Please sign in again.",
  SESSION_NOT_FRESH: "For your security, please sign in again to do this.",
  METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED: "Something went wrong with your session. Please reload the page.",
  // Linked accounts (social sign-in is not offered by this app)
  ACCOUNT_NOT_FOUND: "We couldn't find that linked account.",
  FAILED_TO_UNLINK_LAST_ACCOUNT: "You can't remove your only way to sign in.",
  SOCIAL_ACCOUNT_ALREADY_LINKED: "That account is already linked.",
  LINKED_ACCOUNT_ALREADY_EXISTS: "That account is already linked.",
  PROVIDER_NOT_FOUND: "That sign-in provider isn't available.",
  ID_TOKEN_NOT_SUPPORTED: "That sign-in method isn't supported.",
  FAILED_TO_GET_USER_INFO: "We couldn't read your account details. Please try again.",
  USER_EMAIL_NOT_FOUND: "Your account has no email address.",
  // Request checks
  INVALID_ORIGIN: "This request came from a site we don't trust. Reload the page and try again.",
  MISSING_OR_NULL_ORIGIN: "Your browser didn't say where this request came from. Reload the page and try again.",
  CROSS_SITE_NAVIGATION_LOGIN_BLOCKED: "Sign-in from another site was blocked for your security.",
  INVALID_CALLBACK_URL: "That return address isn't allowed.",
  INVALID_REDIRECT_URL: "That redirect address isn't allowed.",
  INVALID_ERROR_CALLBACK_URL: "That error return address isn't allowed.",
  INVALID_NEW_USER_CALLBACK_URL: "That new-account return address isn't allowed.",
  CALLBACK_URL_REQUIRED: "A return address is required.",
  VALIDATION_ERROR: "Some fields aren't valid. Check the form and try again.",
  FIELD_NOT_ALLOWED: "One of the fields can't be changed.",
  MISSING_FIELD: "A required field is missing.",
  BODY_MUST_BE_AN_OBJECT: "The request was malformed. Please reload the page.",
  ASYNC_VALIDATION_NOT_SUPPORTED: "Something went wrong on our side. Please try again.",
  // HTTP-level and task API
  BAD_REQUEST: "The request was malformed. Please reload the page.",
  INVALID_JSON: "The request was malformed. Please reload the page.",
  UNSUPPORTED_MEDIA_TYPE: "The request was malformed. Please reload the page.",
  INVALID_QUERY: "Those filters aren't valid. Reset them and try again.",
  PAYLOAD_TOO_LARGE: "That's too much text. Shorten it and try again.",
  NOT_FOUND: "We couldn't find that.",
  METHOD_NOT_ALLOWED: "That action isn't allowed here.",
  TASK_NOT_FOUND: "That task no longer exists. It may have been deleted.",
  FORBIDDEN: "You don't have access to that.",
  RATE_LIMITED: "Too many attempts. Wait a few seconds and try again.",
  TOO_MANY_REQUESTS: "Too many attempts. Wait a few seconds and try again.",
  INTERNAL_SERVER_ERROR: "Something went wrong on our side. Please try again.",
  REQUEST_TIMEOUT: "The connection was too slow. Please try again.",
  SERVICE_UNAVAILABLE: "The service is briefly unavailable. Please try again in a moment.",
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof ERROR_MESSAGES;

const GENERIC = "Something went wrong. Please try again.";

/** The shape of errors from the Better Auth client and our API (`{code, message, status}`). */
export interface ErrorLike {
  code?: string | null;
  message?: string | null;
  status?: number;
}

export function isKnownErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_MESSAGES, code);
}

/** A message fit to show a user for any error value, never a raw code. */
export function errorMessage(error: unknown): string {
  if (!error || typeof error !== "object") return GENERIC;
  const { code, status } = error as ErrorLike;
  if (isKnownErrorCode(code)) return ERROR_MESSAGES[code];
  if (status === 429) return ERROR_MESSAGES.RATE_LIMITED;
  if (status === 401) return ERROR_MESSAGES.UNAUTHORIZED;
  if (status === 403) return ERROR_MESSAGES.FORBIDDEN;
  if (status === 404) return ERROR_MESSAGES.NOT_FOUND;
  if (status === 413) return ERROR_MESSAGES.PAYLOAD_TOO_LARGE;
  if (status === 408) return ERROR_MESSAGES.REQUEST_TIMEOUT;
  if (status === 503) return ERROR_MESSAGES.SERVICE_UNAVAILABLE;
  if (typeof status === "number" && status >= 500) return ERROR_MESSAGES.INTERNAL_SERVER_ERROR;
  if (error instanceof TypeError) return "We couldn't reach the server. Check your connection and try again.";
  return GENERIC;
}

/** Field-level messages from a 422 VALIDATION_ERROR body (`errors: [{field, message}]`). */
export function fieldErrors(error: unknown): Record<string, string> {
  const list = (error as { errors?: unknown } | null)?.errors;
  const out: Record<string, string> = {};
  if (!Array.isArray(list)) return out;
  for (const item of list) {
    if (item && typeof item.field === "string" && typeof item.message === "string") out[item.field] = item.message;
  }
  return out;
}
