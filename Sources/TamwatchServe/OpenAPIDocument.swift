/// The API's OpenAPI 3.1 description, written by hand and served at `/api/v1/openapi.yaml`.
/// A test validates it and holds its paths equal to the routes the server has.
public enum OpenAPIDocument {
    /// `Resources/openapi.yaml`, compiled into the binary.
    public static let yaml = String(decoding: PackageResources.openapi_yaml, as: UTF8.self)
}
