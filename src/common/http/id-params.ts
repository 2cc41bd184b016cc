import { ApiProperty } from '@nestjs/swagger';
import { IsUUID, ValidateBy, type ValidationOptions } from 'class-validator';

const BIGINT_MAX = 9223372036854775807n;

/** A positive id that fits Postgres' bigint (inbox ids, outbox sequence cursors): else 400, never a 500. */
export function IsBigintId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBigintId',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && /^[0-9]{1,19}$/.test(value) && BigInt(value) <= BIGINT_MAX,
        defaultMessage: () => '$property must be a positive whole number that fits a 64-bit id',
      },
    },
    options,
  );
}

/** `:id` of an inbox event. */
export class EventIdParam {
  @ApiProperty({ example: '4211' })
  @IsBigintId()
  id!: string;
}

/** `:id` of a record keyed by UUID (outbox messages, alerts). */
export class UuidParam {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id!: string;
}
