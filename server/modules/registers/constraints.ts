import { explainConstraint } from '../../db/errors.js';
import { Problem } from '../../http/problem.js';

// What the registers' constraints mean to a person.
explainConstraint('migration_plans_owner_network_key', () => new Problem(409, 'conflict', 'this department already has a migration plan for a network of that name'));
explainConstraint('migration_plans_owner_unit_code_units_code_fk', () => new Problem(409, 'in_use', 'the unit has migration plans; delete them first'));
explainConstraint('migration_plans_vrf_id_vrfs_id_fk', () => new Problem(409, 'in_use', 'the VRF is the target of migration plans; change them first'));
explainConstraint('website_filings_domain_key', () => new Problem(409, 'conflict', 'a website with this domain is already filed; change that filing instead'));
explainConstraint('website_filings_responsible_unit_code_units_code_fk', () => new Problem(409, 'in_use', 'the unit is responsible for filed websites; delete or move them first'));
explainConstraint('website_filings_assisting_unit_code_units_code_fk', () => new Problem(409, 'in_use', 'the unit assisted website filings; change them first'));
