import { z } from '@hono/zod-openapi';
import { unitCode } from '../divisions/inputs.js';
import { roles } from './schema.js';

export const username = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, dot, underscore and hyphen')
  .openapi({ example: 'nanning-ops' });

export const createUserInput = z
  .object({
    username,
    displayName: z.string().trim().min(1).max(100),
    unit: unitCode,
    role: z.enum(roles),
    password: z.string().min(10).max(200).optional().openapi({ description: 'for the web UI; at least 10 characters' }),
  })
  .strict()
  .openapi('CreateUser');
export type CreateUserInput = z.infer<typeof createUserInput>;

export const userSchema = z
  .object({
    username: z.string(),
    displayName: z.string(),
    unit: z.string(),
    role: z.enum(roles),
    hasPassword: z.boolean(),
    disabled: z.boolean(),
    createdAt: z.string(),
  })
  .openapi('User');
export type UserView = z.infer<typeof userSchema>;

export const createTokenInput = z
  .object({
    expiresAt: z.iso.datetime({ offset: true }).optional().openapi({ description: 'RFC 3339; absent means no expiry' }),
  })
  .strict()
  .openapi('CreateToken');
export type CreateTokenInput = z.infer<typeof createTokenInput>;

export const tokenSchema = z
  .object({ id: z.string(), createdAt: z.string(), expiresAt: z.string().nullable(), lastUsedAt: z.string().nullable(), revoked: z.boolean() })
  .openapi('Token');
export type TokenView = z.infer<typeof tokenSchema>;

export const issuedTokenSchema = z.object({ id: z.string(), token: z.string(), expiresAt: z.string().nullable() }).openapi('IssuedToken');

export const password = z.string().min(10).max(200);

export const changePasswordInput = z
  .object({
    currentPassword: z.string().min(1).max(200),
    newPassword: password.openapi({ description: 'at least 10 characters, not the current one' }),
  })
  .strict()
  .openapi('ChangePassword', { example: { currentPassword: 'the-old-password', newPassword: 'a-new-longer-password' } });
export type ChangePasswordInput = z.infer<typeof changePasswordInput>;
