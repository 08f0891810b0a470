// Compile-time test (run by `npm run typecheck`, never executed): `IntermissionOptions` in src/types.ts
// and the zod schema's input describe the same serialisable options. Adding an option to one and not
// the other, or letting their types drift apart, stops this file from compiling.
import type * as z from 'zod';
import type { CODE_ONLY_OPTIONS } from '../../src/config/code-options.js';
import type { configSchema } from '../../src/config/schema.js';
import type { SIGNUP_CODE_ONLY_OPTIONS } from '../../src/signup/options.js';
import type { IntermissionOptions } from '../../src/types.js';

/** `true` only when A and B are the same type (not merely assignable either way). */
// The single-use type parameters are the point: they make the compiler compare A and B for identity.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when nothing is left; the error names what is (`Type '"foo"' does not satisfy the constraint 'never'`). */
type None<T extends never> = T;

type AnyFunction = (...args: never[]) => unknown;

/**
 * What an option looks like once code has been set aside: functions (a teaser resolver,
 * `allow.bypass`) are dropped, and a `Date` counts as the ISO string it is turned into.
 */
type Serialisable<T> = T extends Date
  ? string
  : T extends AnyFunction
    ? never
    : T extends readonly (infer Item)[]
      ? Serialisable<Item>[]
      : T extends object
        ? { [K in keyof T as NonNullable<T[K]> extends AnyFunction ? never : K]: Serialisable<T[K]> }
        : T;

/** Options only code can set (their own checks in src/config/code-options.ts). */
type CodeOnly = (typeof CODE_ONLY_OPTIONS)[number];
/** Keys a config file may hold that are not options. */
type FileOnly = '$schema';

/** `signup`'s store and hooks are code-only too (src/signup/options.ts). */
type SignupCodeOnly = (typeof SIGNUP_CODE_ONLY_OPTIONS)[number];
type WithoutSignupCode<T> = {
  [K in keyof T]: K extends 'signup' ? (T[K] extends infer S ? (S extends object ? Omit<S, SignupCodeOnly> : S) : never) : T[K];
};

type FromTypes = Serialisable<WithoutSignupCode<Omit<IntermissionOptions, CodeOnly>>>;
type FromSchema = Omit<z.input<typeof configSchema>, FileOnly>;

/** Options in src/types.ts that the schema lacks (add them to src/config/schema.ts, or to CODE_ONLY_OPTIONS). */
export type OnlyInTypes = None<Exclude<keyof FromTypes, keyof FromSchema>>;
/** Options in the schema that src/types.ts lacks. */
export type OnlyInSchema = None<Exclude<keyof FromSchema, keyof FromTypes>>;
/** Code-only options that are not options at all. */
export type UnknownCodeOnly = None<Exclude<CodeOnly, keyof IntermissionOptions>>;

type Shared = Extract<keyof FromTypes, keyof FromSchema>;

/** Options whose types differ, at any depth (a nested field added, removed, made required or retyped). */
export type Mismatched = None<
  {
    [K in Shared]-?: Equal<FromTypes[K], FromSchema[K]> extends true ? never : K;
  }[Shared]
>;
