/**
 * The one error class of src/models. It is a core `KvlabError`, so the HTTP edge and the CLI render
 * it like every other error (`invalid_config` for bad input and data, `model_not_found` for an
 * unknown model), and it adds a stable `reason` that says which of the catalogue's checks failed.
 * `param` names the offending field (a config.json key, or an option such as `tp`).
 */
import { ERRORS, KvlabError, type ErrorCode } from '../core/errors.ts';

export type ModelsErrorReason =
  | 'missing_field' // a required config.json key is absent
  | 'invalid_field' // a config.json key has the wrong type or value
  | 'invalid_option' // a function option (tp, block size, ...) is out of range
  | 'unknown_model'
  | 'unknown_gpu'
  | 'weights_do_not_fit';

const CODES: Record<ModelsErrorReason, ErrorCode> = {
  missing_field: 'invalid_config',
  invalid_field: 'invalid_config',
  invalid_option: 'invalid_config',
  unknown_model: 'model_not_found',
  unknown_gpu: 'invalid_config',
  weights_do_not_fit: 'invalid_config',
};

export class ModelsError extends KvlabError {
  readonly reason: ModelsErrorReason;

  constructor(reason: ModelsErrorReason, message: string, param: string | null = null) {
    const code = CODES[reason];
    super(code, message, ERRORS[code].status, ERRORS[code].type, param);
    this.name = 'ModelsError';
    this.reason = reason;
  }
}
