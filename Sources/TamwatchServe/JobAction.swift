/// What the API can ask OpenFunnel to do to a build.
enum JobAction: String, CaseIterable, Sendable {
    case cancel, pause, resume
}
