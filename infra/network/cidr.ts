/**
 * Subnet arithmetic for the VPC: each subnet is the VPC block split 16 ways (4 more prefix bits),
 * so a /16 gives /20 subnets of 4,091 usable addresses. Public subnets take slots 0-2, private
 * subnets 8-10, leaving room for more zones or tiers.
 */

export const SUBNET_NEW_BITS = 4;
export const PUBLIC_SLOT = 0;
export const PRIVATE_SLOT = 8;

function toNumber(address: string): number {
  return address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function toAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** The `index`-th subnet of `vpcCidr` with SUBNET_NEW_BITS more prefix bits. */
export function subnetCidr(vpcCidr: string, index: number): string {
  const [address, prefixText] = vpcCidr.split("/") as [string, string];
  const prefix = Number(prefixText) + SUBNET_NEW_BITS;
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** SUBNET_NEW_BITS) {
    throw new Error(`subnetCidr: index ${index} is outside 0-${2 ** SUBNET_NEW_BITS - 1}.`);
  }
  return `${toAddress(toNumber(address) + index * 2 ** (32 - prefix))}/${prefix}`;
}
