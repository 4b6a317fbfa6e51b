import { X509Certificate } from 'node:crypto';
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

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;
/** Longest PEM text a task may carry (a CA bundle of a few certificates). */
export const MAX_PEM_LENGTH = 65_536;

/**
 * True for PEM text made only of 1 to 16 certificates, each of which parses. Anything else (a
 * private key pasted by mistake, DER, a truncated block) is refused: the field is shown to every
 * role and handed to every node.
 */
export function isPemCertificates(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > MAX_PEM_LENGTH) return false;
  const blocks = value.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0 || blocks.length > 16 || value.replace(PEM_BLOCK, '').trim() !== '') return false;
  try {
    for (const block of blocks) new X509Certificate(block);
    return true;
  } catch {
    return false;
  }
}

/** PEM text of one or more X.509 certificates (see {@link isPemCertificates}). */
export function IsPemCertificates(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isPemCertificates',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => isPemCertificates(value),
        defaultMessage(args: ValidationArguments): string {
          return `${args.property} must be PEM text of one or more X.509 certificates (-----BEGIN CERTIFICATE----- ...), at most ${MAX_PEM_LENGTH} characters`;
        },
      },
    });
}
