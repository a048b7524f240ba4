import { PickType } from '@nestjs/swagger';
import { RegisterProductDto } from './register-product.dto';

/** The new name, validated like a registration's (1–200 characters); the sku is the path's. */
export class RenameProductDto extends PickType(RegisterProductDto, ['name'] as const) {}
