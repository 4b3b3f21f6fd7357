/**
 * A spec that failed validation: HTTP 422 `{"message":"Object is not valid","details":[...]}`.
 * The one validation error of Tandem (`ValidationError` of @tandem/protocol) under the name jobs has used.
 */
export { type FieldErrors, ValidationError as SpecError } from '@tandem/protocol';
