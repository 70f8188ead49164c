fn main() {
    // Debug info lets tests find elements by accessible label (ElementHandle); the
    // fonts are embedded as files so text that arrives from Rust at run time renders too.
    let config = slint_build::CompilerConfiguration::new()
        .with_debug_info(true)
        .with_style("fluent".into())
        .embed_resources(slint_build::EmbedResourcesKind::EmbedFiles);
    slint_build::compile_with_config("ui/app.slint", config).expect("ui/app.slint compiles");
}
