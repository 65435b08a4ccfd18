import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A list price of the models whose name matches `modelPattern` (lower case, `*` the only wildcard), for spans of
 * `provider` (null: any provider), valid from `validFrom` until `validTo` (null: still current). Prices are USD per
 * million tokens, exact numerics that arrive as strings; a null cache or reasoning price means the input (cache) or
 * output (reasoning) price. Mirrors migrations/1796601600000-CreateModelPrices.
 */
@Entity({ name: 'model_prices' })
@Check(
  'chk_model_prices_prices',
  `input_usd_per_mtok BETWEEN 0 AND 100000 AND output_usd_per_mtok BETWEEN 0 AND 100000
          AND cache_read_usd_per_mtok BETWEEN 0 AND 100000 AND cache_write_usd_per_mtok BETWEEN 0 AND 100000
          AND reasoning_usd_per_mtok BETWEEN 0 AND 100000`,
)
@Check('chk_model_prices_validity', 'valid_to > valid_from')
export class ModelPrice {
  @PrimaryGeneratedColumn('increment', { name: 'id', primaryKeyConstraintName: 'pk_model_prices' })
  id!: number;

  @Column({ name: 'provider', type: 'varchar', length: 128, nullable: true })
  provider!: string | null;

  @Column({ name: 'model_pattern', type: 'varchar', length: 256 })
  modelPattern!: string;

  @Column({ name: 'input_usd_per_mtok', type: 'numeric', precision: 14, scale: 6 })
  inputUsdPerMtok!: string;

  @Column({ name: 'output_usd_per_mtok', type: 'numeric', precision: 14, scale: 6 })
  outputUsdPerMtok!: string;

  @Column({ name: 'cache_read_usd_per_mtok', type: 'numeric', precision: 14, scale: 6, nullable: true })
  cacheReadUsdPerMtok!: string | null;

  @Column({ name: 'cache_write_usd_per_mtok', type: 'numeric', precision: 14, scale: 6, nullable: true })
  cacheWriteUsdPerMtok!: string | null;

  @Column({ name: 'reasoning_usd_per_mtok', type: 'numeric', precision: 14, scale: 6, nullable: true })
  reasoningUsdPerMtok!: string | null;

  @Column({ name: 'valid_from', type: 'timestamptz' })
  validFrom!: Date;

  @Column({ name: 'valid_to', type: 'timestamptz', nullable: true })
  validTo!: Date | null;

  @Column({ name: 'source', type: 'varchar', length: 1024, nullable: true })
  source!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
