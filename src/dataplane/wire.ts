/**
 * The byte-format functions the pipeline uses, in one import: src/packet
 * owns the formats, the dataplane only calls them.
 */
export {
  ethernetL2, pktTypeOf, writeEthernetSrcType,
  arpValid, arpOp, arpSpa, arpTpa,
  decrementTtl, isIcmpError, parseIPv4,
  buildArpRequest, arpReplyInPlace, echoReplyInPlace, buildIcmpError, buildTcpReset,
  fragment, refragment, defragExceedsMtu, ICMP_ERROR_MAXLEN, rd32, wr32,
} from '../packet/index.js';
export type { FragmentSink } from '../packet/index.js';
