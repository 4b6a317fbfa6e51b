import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsObject,
  IsOptional,
  registerDecorator,
  ValidateNested,
  ValidationArguments,
  ValidationOptions,
} from 'class-validator';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A flat map of string → string whose keys match `keyPattern` (env maps, labels, images). */
export function IsStringMap(
  keyPattern: RegExp,
  limits: { maxEntries: number; maxValueLength: number; valuePattern?: RegExp },
  options?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isStringMap',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate(value: unknown): boolean {
          if (!isPlainObject(value)) return false;
          const entries = Object.entries(value);
          return (
            entries.length <= limits.maxEntries &&
            entries.every(
              ([k, v]) =>
                keyPattern.test(k) &&
                typeof v === 'string' &&
                v.length <= limits.maxValueLength &&
                (!limits.valuePattern || limits.valuePattern.test(v)),
            )
          );
        },
        defaultMessage(args: ValidationArguments): string {
          return `${args.property} must be an object of at most ${limits.maxEntries} entries whose keys match ${keyPattern} and whose values are strings of at most ${limits.maxValueLength} characters`;
        },
      },
    });
}

/** A redis:// or rediss:// URL with a host. */
export function IsRedisUrl(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isRedisUrl',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string' || value.length > 2048) return false;
          try {
            const url = new URL(value);
            return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname.length > 0;
          } catch {
            return false;
          }
        },
        defaultMessage(args: ValidationArguments): string {
          return `${args.property} must be a redis:// or rediss:// URL with a host`;
        },
      },
    });
}

/** An optional list of at most `max` nested DTOs, each validated as its class. */
export function OptionalListOf(type: new () => object, max: number): PropertyDecorator {
  return applyDecorators(IsOptional(), IsArray(), ArrayMaxSize(max), ValidateNested({ each: true }), Type(() => type));
}

/** An optional nested DTO: an object (not a list), validated as its class. */
export function OptionalObjectOf(type: new () => object, name: string): PropertyDecorator {
  return applyDecorators(IsOptional(), IsObject({ message: `${name} must be an object` }), ValidateNested(), Type(() => type));
}
