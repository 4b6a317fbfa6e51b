import { ApiPropertyOptional } from '@nestjs/swagger';
import type { LabelConstraint, TaskConstraints } from './task-constraints-match';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsNumber, IsOptional, Matches, Max, Min, registerDecorator, ValidationArguments } from 'class-validator';

const LABEL_KEY_PATTERN = /^[A-Za-z0-9._\/-]{1,63}$/;
const LABEL_VALUE_MAX = 256;
const LABEL_CONSTRAINTS_MAX = 32;
export type { LabelConstraint, TaskConstraints } from './task-constraints-match';
export { constraintDetail, unmetConstraints } from './task-constraints-match';
export type { ConstraintFacts } from './task-constraints-match';

const PLATFORM_PATTERN = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;

function plainValue(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= LABEL_VALUE_MAX && v !== '!';
}

function validLabelConstraints(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length <= LABEL_CONSTRAINTS_MAX &&
    entries.every(([k, v]) => LABEL_KEY_PATTERN.test(k) && (plainValue(v) || (Array.isArray(v) && v.length > 0 && v.length <= 32 && v.every((x) => plainValue(x) && !x.startsWith('!')))))
  );
}

function IsLabelConstraints(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isLabelConstraints',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: validLabelConstraints,
        defaultMessage(args: ValidationArguments): string {
          return `${args.property} must be an object of at most ${LABEL_CONSTRAINTS_MAX} labels whose keys match ${LABEL_KEY_PATTERN} and whose values are a string ("eu"), "!value" (any value but it) or a non-empty list of strings (any one of them)`;
        },
      },
    });
}

/** `constraints` of `POST /api/tasks`. */
export class TaskConstraintsDto implements TaskConstraints {
  @ApiPropertyOptional({
    description: 'Node labels that must match: a value, "!value" (any value but it) or a list (any one of them)',
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    example: { region: 'eu', disk: ['ssd', 'nvme'], tier: '!spot' },
  })
  @IsOptional()
  @IsLabelConstraints()
  labels?: Record<string, LabelConstraint>;

  @ApiPropertyOptional({ description: 'Least memory the node must have in all, MB' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  min_memory_mb?: number;

  @ApiPropertyOptional({ description: 'Least CPUs the node must have' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(1_000_000)
  min_cpus?: number;

  @ApiPropertyOptional({ description: 'Platforms the task may run on', type: [String], example: ['linux/amd64'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @Matches(PLATFORM_PATTERN, { each: true, message: 'platforms must be platforms such as linux/amd64' })
  platforms?: string[];
}
