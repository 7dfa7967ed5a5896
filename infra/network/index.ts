export { PRIVATE_SLOT, PUBLIC_SLOT, SUBNET_NEW_BITS, subnetCidr } from "./cidr";
export { Network } from "./network";
export type { NetworkArgs } from "./network";
export { SecurityGroups } from "./security-groups";
export type { SecurityGroupsArgs } from "./security-groups";
