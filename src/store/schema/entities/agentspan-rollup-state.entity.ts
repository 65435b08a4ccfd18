import { Column, Entity, PrimaryColumn } from 'typeorm';

/** How far an incremental rollup got: rows changed after `watermark` (minus an overlap) are looked at next time. */
@Entity({ name: 'agentspan_rollup_state' })
export class AgentspanRollupState {
  @PrimaryColumn({ name: 'name', type: 'varchar', length: 64, primaryKeyConstraintName: 'pk_agentspan_rollup_state' })
  name!: string;

  @Column({ name: 'watermark', type: 'timestamptz' })
  watermark!: Date;
}
