//! The few parts of a WebAssembly module this tool changes: the names of its imports and exports,
//! and the custom sections that only describe the build. Every other section is kept byte for
//! byte (https://webassembly.github.io/spec/core/binary/modules.html).

use crate::Fault;

const CUSTOM: u8 = 0;
const IMPORTS: u8 = 2;
const EXPORTS: u8 = 7;
/// Custom sections that say which tools made the module and with which features: nothing reads
/// them when the module runs.
const BUILD_NOTES: [&str; 2] = ["producers", "target_features"];

pub struct Module {
    sections: Vec<(u8, Vec<u8>)>,
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
}

pub struct Import {
    pub module: String,
    pub name: String,
    /// what is imported (a function and its type, a memory…), kept as read
    what: Vec<u8>,
}

pub struct Export {
    pub name: String,
    pub kind: u8,
    index: u32,
}

pub const FUNCTION: u8 = 0;

impl Module {
    pub fn parse(bytes: &[u8]) -> Result<Module, Fault> {
        let mut reader = Reader { bytes, at: 0 };
        if reader.take(8)? != b"\0asm\x01\0\0\0" {
            return Err(Fault::new("not a WebAssembly module (version 1)"));
        }
        let mut module = Module { sections: Vec::new(), imports: Vec::new(), exports: Vec::new() };
        while !reader.done() {
            let id = reader.byte()?;
            let size = reader.u32()? as usize;
            let body = reader.take(size)?;
            match id {
                IMPORTS => module.imports = read_imports(body)?,
                EXPORTS => module.exports = read_exports(body)?,
                _ => {}
            }
            module.sections.push((id, body.to_vec()));
        }
        Ok(module)
    }

    /// The module with its imports and exports as they are now, without the build's notes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = b"\0asm\x01\0\0\0".to_vec();
        for (id, body) in &self.sections {
            let body = match *id {
                IMPORTS => write_imports(&self.imports),
                EXPORTS => write_exports(&self.exports),
                CUSTOM if BUILD_NOTES.contains(&custom_name(body).as_str()) => continue,
                _ => body.clone(),
            };
            out.push(*id);
            write_u32(&mut out, body.len() as u32);
            out.extend_from_slice(&body);
        }
        out
    }
}

fn custom_name(body: &[u8]) -> String {
    let mut reader = Reader { bytes: body, at: 0 };
    reader.name().unwrap_or_default()
}

fn read_imports(body: &[u8]) -> Result<Vec<Import>, Fault> {
    let mut reader = Reader { bytes: body, at: 0 };
    let count = reader.u32()?;
    let mut imports = Vec::new();
    for _ in 0..count {
        let module = reader.name()?;
        let name = reader.name()?;
        let start = reader.at;
        match reader.byte()? {
            // a function: its type
            0 => {
                reader.u32()?;
            }
            // an exception tag: its attribute and type
            4 => {
                reader.byte()?;
                reader.u32()?;
            }
            1 => {
                reader.byte()?;
                reader.limits()?;
            }
            2 => reader.limits()?,
            3 => {
                reader.byte()?;
                reader.byte()?;
            }
            other => return Err(Fault::new(format!("import {module}.{name}: unknown kind {other}"))),
        }
        imports.push(Import { module, name, what: body[start..reader.at].to_vec() });
    }
    reader.end("import section")?;
    Ok(imports)
}

fn write_imports(imports: &[Import]) -> Vec<u8> {
    let mut out = Vec::new();
    write_u32(&mut out, imports.len() as u32);
    for import in imports {
        write_name(&mut out, &import.module);
        write_name(&mut out, &import.name);
        out.extend_from_slice(&import.what);
    }
    out
}

fn read_exports(body: &[u8]) -> Result<Vec<Export>, Fault> {
    let mut reader = Reader { bytes: body, at: 0 };
    let count = reader.u32()?;
    let mut exports = Vec::new();
    for _ in 0..count {
        let name = reader.name()?;
        let kind = reader.byte()?;
        let index = reader.u32()?;
        exports.push(Export { name, kind, index });
    }
    reader.end("export section")?;
    Ok(exports)
}

fn write_exports(exports: &[Export]) -> Vec<u8> {
    let mut out = Vec::new();
    write_u32(&mut out, exports.len() as u32);
    for export in exports {
        write_name(&mut out, &export.name);
        out.push(export.kind);
        write_u32(&mut out, export.index);
    }
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Fault> {
        let end = self.at.checked_add(n).filter(|&end| end <= self.bytes.len()).ok_or_else(|| Fault::new("module cut short"))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn byte(&mut self) -> Result<u8, Fault> {
        Ok(self.take(1)?[0])
    }

    /// An unsigned LEB128 number of at most 32 bits.
    fn u32(&mut self) -> Result<u32, Fault> {
        let mut value: u64 = 0;
        for shift in (0..35).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return u32::try_from(value).map_err(|_| Fault::new("number too large"));
            }
        }
        Err(Fault::new("number too long"))
    }

    fn limits(&mut self) -> Result<(), Fault> {
        let flags = self.byte()?;
        self.u32()?;
        if flags & 1 == 1 {
            self.u32()?;
        }
        Ok(())
    }

    fn name(&mut self) -> Result<String, Fault> {
        let length = self.u32()? as usize;
        String::from_utf8(self.take(length)?.to_vec()).map_err(|_| Fault::new("a name that is not UTF-8"))
    }

    fn end(&self, what: &str) -> Result<(), Fault> {
        if self.done() { Ok(()) } else { Err(Fault::new(format!("{what}: bytes left over"))) }
    }
}

fn write_u32(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn write_name(out: &mut Vec<u8>, name: &str) {
    write_u32(out, name.len() as u32);
    out.extend_from_slice(name.as_bytes());
}

#[cfg(test)]
pub mod tests {
    use super::*;

    fn section(out: &mut Vec<u8>, id: u8, body: &[u8]) {
        out.push(id);
        write_u32(out, body.len() as u32);
        out.extend_from_slice(body);
    }

    /// A small module as wasm-bindgen leaves one: a type, two imports from the glue, one from the
    /// chunk loader, an exported memory and function, a code section, and the build's notes.
    pub fn sample() -> Vec<u8> {
        let mut out = b"\0asm\x01\0\0\0".to_vec();
        section(&mut out, 1, &[1, 0x60, 0, 0]);
        let mut imports = Vec::new();
        write_u32(&mut imports, 3);
        for (module, name) in [("./site_bg.js", "__wbg_log_0123456789abcdef"), ("./site_bg.js", "__wbindgen_object_drop_ref"), ("./__wasm_split.AbC.js", "__wasm_split_load_x")] {
            write_name(&mut imports, module);
            write_name(&mut imports, name);
            imports.extend_from_slice(&[0, 0]);
        }
        section(&mut out, IMPORTS, &imports);
        section(&mut out, 3, &[1, 0]);
        section(&mut out, 5, &[1, 0, 17]);
        let mut exports = Vec::new();
        write_u32(&mut exports, 2);
        write_name(&mut exports, "memory");
        exports.extend_from_slice(&[2, 0]);
        write_name(&mut exports, "closure_invoke_long_mangled_name");
        exports.extend_from_slice(&[0, 2]);
        section(&mut out, EXPORTS, &exports);
        section(&mut out, 10, &[1, 2, 0, 0x0b]);
        let mut producers = Vec::new();
        write_name(&mut producers, "producers");
        producers.extend_from_slice(b"\x01\x08language\x01\x04Rust\x00");
        section(&mut out, CUSTOM, &producers);
        out
    }

    #[test]
    fn names_change_and_every_other_byte_stays() {
        let original = sample();
        let mut module = Module::parse(&original).unwrap();
        assert_eq!(module.imports.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["__wbg_log_0123456789abcdef", "__wbindgen_object_drop_ref", "__wasm_split_load_x"]);
        assert_eq!(module.exports[1].name, "closure_invoke_long_mangled_name");
        module.imports[0].module = "w".into();
        module.imports[0].name = "a".into();
        module.exports[1].name = "b".into();
        let encoded = module.encode();
        let again = Module::parse(&encoded).unwrap();
        assert_eq!((again.imports[0].module.as_str(), again.imports[0].name.as_str()), ("w", "a"));
        assert_eq!(again.imports[2].module, "./__wasm_split.AbC.js");
        assert_eq!((again.exports[1].name.as_str(), again.exports[1].kind, again.exports[1].index), ("b", FUNCTION, 2));
        // the type, function, memory and code sections are the same bytes, the producers are gone
        let kept = |m: &Module| m.sections.iter().filter(|(id, _)| ![IMPORTS, EXPORTS, CUSTOM].contains(id)).cloned().collect::<Vec<_>>();
        assert_eq!(kept(&again), kept(&Module::parse(&original).unwrap()));
        assert!(!again.sections.iter().any(|(id, _)| *id == CUSTOM));
        assert!(encoded.len() < original.len());
    }

    #[test]
    fn a_module_cut_short_or_foreign_is_refused() {
        let original = sample();
        assert!(Module::parse(&original[..original.len() - 3]).is_err());
        assert!(Module::parse(b"\0asm\x02\0\0\0").is_err());
        assert!(Module::parse(b"<html>").is_err());
    }
}
