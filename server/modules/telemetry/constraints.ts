import { explainConstraint } from '../../db/errors.js';
import { Problem } from '../../http/problem.js';

explainConstraint(
  'expansion_requests_one_in_flight',
  () => new Problem(409, 'conflict', 'the link already has an expansion request in flight; decide that one first'),
);
explainConstraint('readings_octets_range', () => new Problem(400, 'validation_failed', 'octet counters lie between 0 and 2^64 − 1'));
