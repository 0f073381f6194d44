import Foundation
import TamwatchChannels
import TamwatchConfig
import TamwatchDelivery
import TamwatchHTTP
import TamwatchModel
import TamwatchRules
import TamwatchShipped

/// Templates, rules and channels, loaded and checked together from a configuration.
public struct DeliverySetup: Sendable {
    public var templates: TemplateSet
    public var engine: RuleEngine
    public var channels: [any DeliveryChannel]

    /// The template folders, before the built-in templates: the config's `templates:` folder.
    public static func templateFolders(_ config: TamwatchConfig) -> [String] {
        config.templatesPath.map { [$0] } ?? []
    }

    /// Loads every template and checks that each rule's `template:` exists for the kinds of its
    /// channels. Every problem is reported at once, located.
    public static func load(_ config: TamwatchConfig, transport: any Transport) throws(ConfigErrors) -> DeliverySetup {
        var errors: [ConfigError] = []
        if let own = config.templatesPath, !FileManager.default.fileExists(atPath: own) {
            errors.append(ConfigError(file: config.file ?? "config", line: nil, key: "templates", message: "folder \(own) does not exist"))
        }
        var templates = TemplateSet()
        do { templates = try TemplateSet.load(folders: templateFolders(config), builtIn: Shipped.templates) } catch {
            errors += error.errors
        }

        let byName = Dictionary(config.channels.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for rule in config.rules {
            guard let name = rule.template else { continue }
            let targets = rule.to.compactMap { byName[$0] }
            for kind in Set(targets.map(\.type)).sorted(by: { $0.rawValue < $1.rawValue }) where !templates.has(kind: kind, name: name) {
                let names = targets.filter { $0.type == kind }.map(\.name).joined(separator: ", ")
                let searched = (templateFolders(config) + [TemplateSet.builtInName]).joined(separator: ", ")
                errors.append(
                    ConfigError(
                        file: config.file ?? "config", line: rule.line, key: "rules.\(rule.name).template",
                        message:
                            "no template '\(name)' for channel \(names) (\(kind.rawValue)): looked for \(kind.rawValue)/\(name).* in \(searched)"
                    ))
            }
        }

        var channels: [any DeliveryChannel] = []
        for channel in config.channels {
            do { channels.append(try Channels.make(channel, transport: transport)) } catch {
                errors.append(
                    ConfigError(file: config.file ?? "config", line: channel.line, key: "channels.\(channel.name)", message: error.message))
            }
        }
        let (recipients, recipientErrors) = Renderer.compileRecipients(config.channels, file: config.file ?? "config")
        errors += recipientErrors
        if !errors.isEmpty { throw ConfigErrors(errors) }
        let engine = RuleEngine(
            rules: config.rules, channels: config.channels,
            renderer: Renderer(templates: templates, recipients: recipients))
        return DeliverySetup(templates: templates, engine: engine, channels: channels)
    }
}
