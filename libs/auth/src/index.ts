export { GUEST_AUDIENCE, GUEST_ISSUER, type AuthSettings } from './lib/auth-settings';
export { bearerToken } from './lib/bearer';
export { keyId } from './lib/key-id';
export { signGuestToken, type SignedToken } from './lib/guest-tokens';
export { TokenRefused, TokenVerifier, type VerifiedToken } from './lib/token-verifier';
