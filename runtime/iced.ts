/**
 * iced-x86 (the x86 decoder and its enums), loaded with require().
 *
 * iced-x86 is a CommonJS package without a "type": imported with ESM
 * `import ... from 'iced-x86'`, Node 20 first compiles its 900 KB glue
 * only to detect whether it is an ES module (detectModuleFormat), then
 * scans it for export names (cjs-module-lexer), then compiles it again to
 * run it. require() runs it straight away. Measured (startup CPU profile,
 * main thread): detection 88 ms and the lexer 57 ms of the 870 ms to the
 * first guest instruction; `import` 320-510 ms vs require 130-180 ms in a
 * fresh process on the loaded 2-core machine. The compile worker pays the
 * same for the enums it takes from iced-enums.ts' stand-in, which require()
 * returns from the module cache without reading the package's file.
 *
 * Every import of iced-x86's values goes through here (`import type` from
 * 'iced-x86' directly is fine: it loads nothing). A name not listed yet is
 * added below, once, as a value and a type.
 */
import { createRequire } from 'node:module';
import type * as Iced from 'iced-x86';

const iced = createRequire(import.meta.url)('iced-x86') as typeof Iced;

export const Code = iced.Code;
export type Code = Iced.Code;
export const CodeExt = iced.CodeExt;
export type CodeExt = Iced.CodeExt;
export const ConditionCode = iced.ConditionCode;
export type ConditionCode = Iced.ConditionCode;
export const CpuidFeature = iced.CpuidFeature;
export type CpuidFeature = Iced.CpuidFeature;
export const Decoder = iced.Decoder;
export type Decoder = Iced.Decoder;
export const DecoderError = iced.DecoderError;
export type DecoderError = Iced.DecoderError;
export const DecoderOptions = iced.DecoderOptions;
export type DecoderOptions = Iced.DecoderOptions;
export const EncodingKind = iced.EncodingKind;
export type EncodingKind = Iced.EncodingKind;
export const FlowControl = iced.FlowControl;
export type FlowControl = Iced.FlowControl;
export const Formatter = iced.Formatter;
export type Formatter = Iced.Formatter;
export const FormatterSyntax = iced.FormatterSyntax;
export type FormatterSyntax = Iced.FormatterSyntax;
export const Instruction = iced.Instruction;
export type Instruction = Iced.Instruction;
export const InstructionInfoFactory = iced.InstructionInfoFactory;
export type InstructionInfoFactory = Iced.InstructionInfoFactory;
export const MemorySize = iced.MemorySize;
export type MemorySize = Iced.MemorySize;
export const MemorySizeExt = iced.MemorySizeExt;
export type MemorySizeExt = Iced.MemorySizeExt;
export const Mnemonic = iced.Mnemonic;
export type Mnemonic = Iced.Mnemonic;
export const OpAccess = iced.OpAccess;
export type OpAccess = Iced.OpAccess;
export const OpKind = iced.OpKind;
export type OpKind = Iced.OpKind;
export const Register = iced.Register;
export type Register = Iced.Register;
export const RflagsBits = iced.RflagsBits;
export type RflagsBits = Iced.RflagsBits;
